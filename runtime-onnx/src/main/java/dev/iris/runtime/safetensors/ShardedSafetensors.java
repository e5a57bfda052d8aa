package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.Safetensors.error;
import static dev.iris.runtime.safetensors.Safetensors.kind;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.weights.Fingerprinted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Several safetensors files seen as one checkpoint: either the shards named by a Hugging Face
 * index ({@code model.safetensors.index.json}) or a plain set of files merged by name.
 *
 * <p>Each shard is opened once. {@link #names()} is the union of all shards' tensors. With an
 * index, its {@code weight_map} decides which shard serves a name; a tensor the index does not
 * mention is served by the one shard holding it (two shards holding it is an error).
 */
public final class ShardedSafetensors implements WeightSource, Fingerprinted {

    private final String origin;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> byName;
    private final Map<String, String> metadata;

    private ShardedSafetensors(String origin, List<SafetensorsFile> shards, Map<String, SafetensorsFile> byName,
            Map<String, String> metadata) {
        this.origin = origin;
        this.shards = List.copyOf(shards);
        this.byName = Collections.unmodifiableMap(byName);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens a sharded checkpoint from its index json, or from a folder: the folder's
     * {@value Safetensors#INDEX_FILE} when present, else all {@code *.safetensors} files in it.
     */
    public static ShardedSafetensors open(Path indexOrFolder) {
        if (Files.isDirectory(indexOrFolder)) {
            Path index = indexOrFolder.resolve(Safetensors.INDEX_FILE);
            if (Files.isRegularFile(index)) return openIndex(index);
            List<Path> files = Safetensors.listSafetensors(indexOrFolder);
            if (files.isEmpty()) {
                throw error(indexOrFolder, "folder holds no " + Safetensors.INDEX_FILE + " and no *.safetensors file");
            }
            return merge(files);
        }
        return openIndex(indexOrFolder);
    }

    /** Opens {@code files} as one checkpoint; a tensor name found in two files is an error naming both. */
    public static ShardedSafetensors merge(List<Path> files) {
        if (files.isEmpty()) throw new WeightException("no safetensors files to merge");
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (Path f : files) opened.add(SafetensorsFile.open(f));
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            addUnmapped(byName, opened, Set.of());
            return new ShardedSafetensors(originOf(files), opened, byName, mergedMetadata(opened, Map.of()));
        } catch (RuntimeException e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private static ShardedSafetensors openIndex(Path index) {
        if (!Files.isRegularFile(index)) {
            throw error(index, Files.exists(index) ? "not a regular file" : "no such file");
        }
        IndexJson parsed = readIndex(index);
        Map<String, String> weightMap = parsed.weightMap();

        // shard file -> tensor names the index puts there, in first-seen order; keyed by the
        // normalized path so "a.safetensors" and "./a.safetensors" open one file once
        Path folder = index.toAbsolutePath().getParent();
        Map<Path, List<String>> planned = new LinkedHashMap<>();
        weightMap.forEach((name, shard) ->
                planned.computeIfAbsent(folder.resolve(shard).normalize(), k -> new ArrayList<>()).add(name));

        for (Map.Entry<Path, List<String>> e : planned.entrySet()) {
            Path shard = e.getKey();
            if (!Files.exists(shard)) {
                List<String> names = e.getValue();
                throw error(index, "shard " + shard + " does not exist (the index puts " + names.size()
                        + " tensor(s) there, e.g. '" + names.get(0) + "')");
            }
        }

        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            for (Map.Entry<Path, List<String>> e : planned.entrySet()) {
                SafetensorsFile shard = SafetensorsFile.open(e.getKey());
                opened.add(shard);
                for (String name : e.getValue()) {
                    if (shard.info(name).isEmpty()) {
                        throw error(index, "weight_map puts tensor '" + name + "' in " + shard.path()
                                + ", but that file has no such tensor" + Safetensors.nearNames(name, shard.names()));
                    }
                    byName.put(name, shard);
                }
            }
            addUnmapped(byName, opened, byName.keySet());
            return new ShardedSafetensors(index.toString(), opened, byName, mergedMetadata(opened, parsed.metadata()));
        } catch (RuntimeException e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private record IndexJson(Map<String, String> weightMap, Map<String, String> metadata) {}

    /** Streams the index (no JSON tree), keeping only weight_map and scalar metadata. */
    private static IndexJson readIndex(Path index) {
        byte[] bytes;
        try {
            long size = Files.size(index);
            if (size > Safetensors.MAX_HEADER_BYTES) {
                throw error(index, "index is " + size + " bytes, implausibly large (limit "
                        + Safetensors.MAX_HEADER_BYTES + ")");
            }
            bytes = Files.readAllBytes(index);
        } catch (IOException e) {
            throw error(index, "cannot read index: " + e.getMessage(), e);
        }
        Map<String, String> weightMap = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = Safetensors.JSON.createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) throw error(index, "index must be a JSON object, found " + kind(t));
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                if (key.equals("weight_map")) {
                    if (v != JsonToken.START_OBJECT) {
                        throw error(index, "\"weight_map\" must be an object, found " + kind(v));
                    }
                    weightMap = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken s = p.nextToken();
                        if (s != JsonToken.VALUE_STRING || p.getText().isBlank()) {
                            throw error(index, "\"weight_map\" entry for '" + name
                                    + "' must be a shard file name, found "
                                    + (s == JsonToken.VALUE_STRING ? "an empty string" : kind(s)));
                        }
                        weightMap.put(name, p.getText());
                    }
                } else if (key.equals("metadata") && v != JsonToken.VALUE_NULL) {
                    if (v != JsonToken.START_OBJECT) throw error(index, "\"metadata\" must be an object, found " + kind(v));
                    // Index metadata holds numbers (total_size) as well as strings; scalars are kept
                    // as text, nested values skipped since metadata() is a flat string map.
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken m = p.nextToken();
                        if (m.isScalarValue()) metadata.put(name, p.getText());
                        else p.skipChildren();
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) throw error(index, "index is not valid JSON: unexpected content after the closing '}'");
        } catch (JsonProcessingException e) {
            throw error(index, "index is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw error(index, "cannot parse index: " + e.getMessage(), e);
        }
        if (weightMap == null) throw error(index, "index has no \"weight_map\"");
        if (weightMap.isEmpty()) throw error(index, "\"weight_map\" is empty");
        return new IndexJson(weightMap, metadata);
    }

    /** Adds every shard tensor not in {@code routed}; such a name in two shards is ambiguous. */
    private static void addUnmapped(Map<String, SafetensorsFile> byName, List<SafetensorsFile> shards,
            Set<String> routed) {
        Set<String> fixed = Set.copyOf(routed);
        for (SafetensorsFile shard : shards) {
            for (String name : shard.names()) {
                if (fixed.contains(name)) continue;
                SafetensorsFile other = byName.putIfAbsent(name, shard);
                if (other != null && other != shard) {
                    throw new WeightException("tensor '" + name + "' is in both " + other.path() + " and "
                            + shard.path());
                }
            }
        }
    }

    /** Shards' {@code __metadata__} (first shard wins), overridden by the index's metadata. */
    private static Map<String, String> mergedMetadata(List<SafetensorsFile> shards, Map<String, String> index) {
        Map<String, String> out = new LinkedHashMap<>();
        for (SafetensorsFile s : shards) s.metadata().forEach(out::putIfAbsent);
        out.putAll(index);
        return out;
    }

    private static String originOf(List<Path> files) {
        Path parent = files.get(0).toAbsolutePath().getParent();
        for (Path f : files) {
            if (!f.toAbsolutePath().getParent().equals(parent)) return files.toString();
        }
        return parent + " (" + files.size() + " safetensors files)";
    }

    private static void closeAll(List<SafetensorsFile> files, RuntimeException failure) {
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** The shard files, each opened once, in the order first referenced. */
    public List<Path> shards() {
        return shards.stream().map(SafetensorsFile::path).toList();
    }

    /** The shard file serving {@code name}, if any. */
    public Optional<Path> shardOf(String name) {
        return Optional.ofNullable(byName.get(name)).map(SafetensorsFile::path);
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public Optional<Info> info(String name) {
        SafetensorsFile f = byName.get(name);
        return f == null ? Optional.empty() : f.info(name);
    }

    @Override
    public Tensor read(String name) {
        SafetensorsFile f = byName.get(name);
        if (f == null) throw Safetensors.missing(origin, name, byName.keySet());
        return f.read(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every shard's identity, and which shard serves each name. */
    @Override
    public Optional<Fingerprinted.Id> checkpointId() {
        Fingerprinted.Id id = null;
        for (SafetensorsFile shard : shards) {
            Optional<Fingerprinted.Id> s = shard.checkpointId();
            if (s.isEmpty()) return Optional.empty();
            id = id == null ? s.get() : id.combine("shard", s.get());
        }
        if (id == null) return Optional.empty();
        StringBuilder served = new StringBuilder();
        new java.util.TreeMap<>(byName).forEach((n, f) -> served.append(n).append('\0').append(f.path().getFileName()).append('\n'));
        return Optional.of(id.with("served", served.toString()));
    }

    @Override
    public String describe() {
        return origin;
    }

    @Override
    public String origin(String name) {
        SafetensorsFile f = byName.get(name);
        return f == null ? origin : f.path().toString();
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (SafetensorsFile f : shards) {
            try {
                f.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
    }

    @Override
    public String toString() {
        return "ShardedSafetensors[" + origin + ", " + shards.size() + " shards, " + byName.size() + " tensors]";
    }
}
