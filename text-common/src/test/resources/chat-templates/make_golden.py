#!/usr/bin/env python3
"""Renders golden.json: the prompts the models' own chat templates produce, for ChatTemplatesTest.

Run from this folder:  python3 make_golden.py   (Debian 12: python3-jinja2 3.1)

The *.jinja files are the `chat_template` strings of the models' tokenizer_config.json (see
NOTICE.md). They are rendered the way transformers' apply_chat_template does: a sandboxed
environment with trim_blocks, lstrip_blocks and the loopcontrols extension, transformers' own
`tojson` (json.dumps, non-ASCII kept, no HTML escaping) and `raise_exception`. `strftime_now`
is defined only for the variant that tests it, with a fixed date, so the goldens do not depend
on the day they were rendered.
"""
import datetime
import json
import random
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

TODAY = datetime.date(2026, 9, 3)
SPECIAL = {"bos_token": "<|begin_of_text|>", "eos_token": "</s>"}

# variant name -> (template file, extra render arguments)
VARIANTS = {
    "llama3": ("llama3.jinja", {}),
    "llama3.1": ("llama3.1.jinja", {}),
    "llama3.1_date": ("llama3.1.jinja", {"date_string": "05 Dec 2026"}),
    "llama3.2": ("llama3.2.jinja", {}),
    "llama3.2_date": ("llama3.2.jinja", {"date_string": "05 Dec 2026"}),
    "llama3.2_today": ("llama3.2.jinja", {"strftime_now": lambda fmt: TODAY.strftime(fmt)}),
    "chatml": ("chatml.jinja", {}),
    "smollm2": ("smollm2.jinja", {}),
    "qwen2": ("qwen2.jinja", {}),
    "zephyr": ("zephyr.jinja", {}),
    "qwen25": ("qwen25.jinja", {}),
    "qwen3": ("qwen3.jinja", {}),
    "qwen3-no-thinking": ("qwen3.jinja", {"enable_thinking": False}),
}
# roles a template drops silently (Iris rejects them instead of losing a turn)
KNOWN_ROLES = {
    "zephyr": {"system", "user", "assistant"},
    "qwen25": {"system", "user", "assistant", "tool"},
    "qwen3": {"system", "user", "assistant", "tool"},
    "qwen3-no-thinking": {"system", "user", "assistant", "tool"},
}

S, U, A, T = "system", "user", "assistant", "tool"
def m(role, content):
    return {"role": role, "content": content}

IMG = "<image>" * 3
CASES = {
    "prompt_with_system": ([m(S, "You are a helpful assistant."), m(U, "Hi")], True),
    "prompt_no_system": ([m(U, "Describe the image concisely.\n" + IMG)], True),
    "train_one_turn": ([m(S, "Answer briefly."), m(U, "Describe the image.\n" + IMG), m(A, "A red circle.")], False),
    "train_no_system": ([m(U, "Hi"), m(A, "Hello!")], False),
    "multi_turn_prompt": ([m(U, "Hi"), m(A, "Hello! How can I help?"), m(U, "Count to three.")], True),
    "multi_turn_with_system": ([m(S, "S"), m(U, "a"), m(A, "b"), m(U, "c"), m(A, "d")], False),
    "unicode": ([m(S, "Réponds en français 🙂"), m(U, "Décris l'image — 日本語 «ok»"), m(A, "猫です ✓")], True),
    "empty_content": ([m(U, ""), m(A, "")], False),
    "empty_system": ([m(S, ""), m(U, "x")], True),
    "whitespace_to_trim": ([m(S, "  Be brief. \n"), m(U, "\n\t Hi  \n"), m(A, " \u00a0Hello\u3000\u2028"), m(U, "\u0085ok\x1f")], True),
    "system_only": ([m(S, "Only a system turn.")], True),
    "system_later": ([m(U, "Hi"), m(S, "Be brief."), m(U, "Why?")], True),
    "assistant_first": ([m(A, "I start."), m(U, "Go on.")], True),
    "newlines_inside": ([m(U, "line 1\n\nline 2\n"), m(A, "\n\nanswer\n\nmore")], False),
    "template_like_text": ([m(U, "<|eot_id|>{{ x }}<|im_end|></s>"), m(A, "{% raw %}")], True),
    "tool_results": ([m(U, "What is the weather?"), m(A, "Let me look."), m(T, "sunny"), m(T, "20\"C\"\n\\ é\t\x01"),
                      m(A, "Sunny, 20C.")], True),
    "other_role": ([m(U, "Q"), m("critic", "Too long."), m(A, "A")], True),
}

# random conversations over characters the templates treat specially (whitespace Python's
# strip removes, quotes, backslashes, special-token text, non-BMP characters)
rnd = random.Random(12)
ALPHABET = ["a", "b", "Z", "7", " ", "\n", "\t", "\r", "\u00a0", "\u3000", "\u2028", "\x1f", "\x85", "\u200b", "é", "猫", "🙂",
            "\"", "'", "\\", "{{", "}}", "<|eot_id|>", "<|im_end|>", "</s>", "\n\n"]
for k in range(40):
    msgs = []
    for i in range(rnd.randint(1, 5)):
        role = rnd.choice([S, U, A]) if i > 0 else rnd.choice([S, U, U, A])
        msgs.append(m(role, "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 12)))))
    CASES["random_%02d" % k] = (msgs, rnd.random() < 0.5)

templates = {}
for variant, (path, _) in VARIANTS.items():
    with open(path, encoding="utf-8") as f:
        templates[path] = f.read()

out = {"source": "rendered by make_golden.py with Python jinja2 " + jinja2.__version__,
       "today": TODAY.isoformat(),
       "variants": {v: {"template": p, "arguments": {k: a for k, a in kw.items() if not callable(a)}}
                    for v, (p, kw) in VARIANTS.items()},
       "cases": []}
for name, (msgs, gen) in CASES.items():
    expected, rejected = {}, []
    for variant, (path, kw) in VARIANTS.items():
        roles = KNOWN_ROLES.get(variant)
        if roles is not None and any(x["role"] not in roles for x in msgs):
            rejected.append(variant)
            continue
        expected[variant] = env.from_string(templates[path]).render(
            messages=msgs, add_generation_prompt=gen, **SPECIAL, **kw)
    out["cases"].append({"name": name, "messages": msgs, "add_generation_prompt": gen,
                         "expected": expected, "rejected_by": rejected})

# Python's strftime("%d %b %Y") (C locale) for a date in every month: Llama 3.2's date line
out["dates"] = {datetime.date(2026, mo, d).isoformat(): datetime.date(2026, mo, d).strftime("%d %b %Y")
                for mo, d in [(1, 5), (2, 28), (3, 1), (4, 30), (5, 9), (6, 10), (7, 26), (8, 31), (9, 3),
                              (10, 11), (11, 29), (12, 25)]}

with open("golden.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(out["cases"]), "cases,", len(VARIANTS), "variants written")
