#!/usr/bin/env python3
"""Renders label_cases.json: multi-turn conversations as the models' own chat templates write
them, for ConversationLabelsTest (the label mask of every training sample, token by token).

Run from this folder:  python3 make_label_cases.py   (Python jinja2 3.1)

Each case is a conversation as a dataset holds it (LLaVA style: `<image>` marks the user turn
that carries an image; one marker per image). It is turned into chat messages here the way Iris
documents it: the markers are removed and the text stripped, then each image's block
(IMAGE_TOKENS image tokens) is placed after that turn's text (and the turn's earlier images) and
a newline. Per template variant the file holds:
  full      the whole conversation, add_generation_prompt=False
  prefixes  per assistant turn, the messages before it with add_generation_prompt=True (the
            prompt generation writes for that answer)
  answers   per assistant turn, the text the template writes for the answer and the end of
            turn token, and where it starts in `full` (the test checks full[start:] begins with it)
The *.jinja files are copied from text-common/src/test/resources/chat-templates (see NOTICE.md).
They are rendered the way transformers' apply_chat_template does (sandbox, trim_blocks,
lstrip_blocks, loopcontrols, transformers' tojson and raise_exception).
"""
import json
import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise TemplateError(message)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

IMAGE_TOKENS = 3
# variant -> (template file, image token, end of turn, render arguments)
VARIANTS = {
    "qwen25": ("qwen25.jinja", "<|image_pad|>", "<|im_end|>", {}),
    "chatml": ("chatml.jinja", "<|image_pad|>", "<|im_end|>", {}),
    "llama3": ("llama3.jinja", "<image>", "<|eot_id|>", {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"}),
}

S, U, A = "system", "user", "assistant"
def t(role, text):
    return {"role": role, "text": text}

# name -> (turns, images)
CASES = {
    "one_turn_image": ([t(U, "<image>\nDescribe the image."), t(A, "A red circle.")], 1),
    "three_turns_image_after_text": ([t(U, "What is this?\n<image>"), t(A, "A bus."), t(U, "What colour is it?"),
                                      t(A, "Red, with white stripes."), t(U, "How many wheels?"), t(A, "Four.")], 1),
    "system_text_only": ([t(S, "Answer briefly."), t(U, "Hi"), t(A, "Hello! How can I help?"), t(U, "Count to three."),
                          t(A, "1, 2, 3.")], 0),
    "unicode_and_newlines": ([t(U, "<image>\nDécris l'image — 日本語"), t(A, "猫です ✓\n\nDeux lignes."),
                              t(U, "  Encore ?  "), t(A, "« Oui » 🙂")], 1),
    "image_in_second_turn": ([t(U, "Hello."), t(A, "Hello! Send me a picture."), t(U, "Here: <image>"),
                              t(A, "A cat on a mat.")], 1),
    "two_images_one_turn": ([t(U, "<image>\n<image>\nWhat differs between them?"), t(A, "The colour of the disc.")], 2),
    "images_in_two_turns": ([t(U, "<image>\nWhat is this?"), t(A, "A bus."), t(U, "And this one? <image>"),
                             t(A, "A tram."), t(U, "Which is longer?"), t(A, "The tram.")], 2),
}


def messages(turns, images, image_token):
    # one entry per image: the turn of its marker, else (no markers) the first user turn
    marked = [i for i, x in enumerate(turns) for _ in range(x["text"].count("<image>"))]
    image_turns = marked if marked else [next(i for i, x in enumerate(turns) if x["role"] == U)] * images
    out = []
    for i, x in enumerate(turns):
        content = x["text"]
        if x["role"] == U:
            content = content.replace("<image>", "").strip()
            # each image of the turn after the text and the images before it, after a newline
            for _ in range(image_turns.count(i) if images else 0):
                content = content + "\n" + image_token * IMAGE_TOKENS
        out.append({"role": x["role"], "content": content})
    return out


out = {"source": "rendered by make_label_cases.py with Python jinja2 " + jinja2.__version__,
       "image_tokens": IMAGE_TOKENS, "variants": {}, "cases": []}
for v, (path, token, eot, kw) in VARIANTS.items():
    out["variants"][v] = {"template": path, "image_token": token, "end_of_turn": eot}
templates = {}
for v, (path, _, _, _) in VARIANTS.items():
    with open(path, encoding="utf-8") as f:
        templates[v] = env.from_string(f.read())

for name, (turns, images) in CASES.items():
    case = {"name": name, "turns": turns, "images": images, "rendered": {}}
    for v, (path, token, eot, kw) in VARIANTS.items():
        msgs = messages(turns, images, token)
        full = templates[v].render(messages=msgs, add_generation_prompt=False, **kw)
        prefixes, answers = [], []
        for i, m in enumerate(msgs):
            if m["role"] != A:
                continue
            prefix = templates[v].render(messages=msgs[:i], add_generation_prompt=True, **kw)
            assert full.startswith(prefix), (v, name, i)
            # the answer as the template writes it (Llama 3 trims content), then the end of turn
            written = full[len(prefix):]
            answer = written[:written.index(eot) + len(eot)]
            prefixes.append(prefix)
            answers.append({"start": len(prefix), "text": answer})
        case["rendered"][v] = {"full": full, "prefixes": prefixes, "answers": answers}
    out["cases"].append(case)

with open("label_cases.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(out["cases"]), "cases,", len(VARIANTS), "variants written")
