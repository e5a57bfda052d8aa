#!/usr/bin/env python3
"""Renders chat_golden.json: the prompts the official Qwen templates produce, for ChatMlTest.

Run from this folder:  python3 make_chat_golden.py   (Debian 12: python3-jinja2 3.1.6)

Templates:
  qwen3  - the Qwen3 chat_template, read from chat_cases.json ("template"), which came with the
           Qwen3 tokenizer files (Apache-2.0, Qwen team).
  qwen25 - the Qwen2.5-Instruct chat_template (Apache-2.0, Qwen team), without its `tools`
           branch: Iris passes no tools, and that branch is never taken then.
  chatml - the plain ChatML template Iris writes into its presets' tokenizer_config.json.
Rendered the way transformers' apply_chat_template does: a sandboxed environment with
trim_blocks and lstrip_blocks.
"""
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment

QWEN25 = (
    "{%- if tools %}\n    {{- raise_exception('tools are not rendered here') }}\n"
    "{%- else %}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)

# must equal Qwen2Presets.CHATML_TEMPLATE (a test checks it)
CHATML = (
    "{%- for message in messages %}\n"
    "    {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)

IMG = "<|vision_start|>" + "<|image_pad|>" * 3 + "<|vision_end|>"
S, U, A, T = "system", "user", "assistant", "tool"
def m(role, content):
    return {"role": role, "content": content}

CASES = {
    "train_one_turn": ([m(S, "You are a helpful assistant."), m(U, "Describe the image.\n" + IMG), m(A, "A red circle.")], False),
    "train_no_system": ([m(U, "Hi"), m(A, "Hello!")], False),
    "prompt_no_system": ([m(U, "Describe the image concisely.\n" + IMG)], True),
    "prompt_with_system": ([m(S, "S"), m(U, "Hi")], True),
    "history_with_think": ([m(S, "S"), m(U, "Hi"), m(A, "<think>\nhmm\n</think>\n\nHello!"), m(U, "Bye"),
                            m(A, "<think>\n\nplan\n\n</think>\n\n\nBye!")], False),
    "think_without_open_tag": ([m(U, "Q"), m(A, "just reasoning\n</think>\nanswer")], False),
    "two_closes": ([m(U, "Q"), m(A, "<think>a</think>b</think>\nc"), m(U, "Q2")], True),
    "tools": ([m(U, "What is the weather?"), m(A, "Let me look."), m(T, "sunny"), m(T, "20C"), m(A, "Sunny, 20C.")], True),
    "tool_response_as_user": ([m(U, "Q"), m(A, "<think>x</think>A1"), m(U, "<tool_response>\nr\n</tool_response>"),
                               m(A, "<think>y</think>A2")], False),
    "system_later": ([m(U, "Hi"), m(S, "Be brief."), m(U, "Why?")], True),
    "assistant_after_assistant": ([m(U, "Q"), m(A, "A"), m(A, "\n\nB")], False),
    "leading_tool": ([m(T, "r"), m(U, "ok?")], True),
    "empty_content": ([m(U, ""), m(A, "")], False),
}

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
def render(template, messages, gen, **kw):
    return env.from_string(template).render(messages=messages, add_generation_prompt=gen, **kw)

fixture = json.load(open("chat_cases.json", encoding="utf-8"))
QWEN3 = fixture["template"]
for k, case in fixture["cases"].items():  # the fixture's own strings must come out again
    kw = {"enable_thinking": case["enable_thinking"]} if "enable_thinking" in case else {}
    assert render(QWEN3, case["messages"], case["add_generation_prompt"], **kw) == fixture["expected"][k], k

out = {"source": "rendered by make_chat_golden.py with Python jinja2", "templates": {"chatml": CHATML, "qwen25": QWEN25},
       "cases": []}
for name, (msgs, gen) in CASES.items():
    exp = {
        "chatml": render(CHATML, msgs, gen),
        "qwen25": render(QWEN25, msgs, gen),
        "qwen3": render(QWEN3, msgs, gen),
        "qwen3_no_thinking": render(QWEN3, msgs, gen, enable_thinking=False),
        "qwen3_thinking": render(QWEN3, msgs, gen, enable_thinking=True),
    }
    out["cases"].append({"name": name, "messages": msgs, "add_generation_prompt": gen, "expected": exp})
with open("chat_golden.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(out["cases"]), "cases written")
