// Writes tokenizer_cases.json: run in a folder where `npm install @lenml/tokenizers@3.7.2` was done,
// with TOKENIZER_DIR naming a folder holding the shipped tokenizer.json and tokenizer_config.json
// (gunzip llm-llama/src/main/resources/dev/iris/llm/llama/llama3-tokenizer/*.gz).
const fs = require('fs');
const { TokenizerLoader } = require('@lenml/tokenizers');
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(process.env.TOKENIZER_DIR + '/tokenizer.json', 'utf8')),
  tokenizerConfig: JSON.parse(fs.readFileSync(process.env.TOKENIZER_DIR + '/tokenizer_config.json', 'utf8')),
});
const texts = [
  'Hello world.',
  'A red circle above a blue square, and a green triangle to the left.',
  '  leading spaces, trailing spaces   ',
  'Numbers: 7, 42, 1234567, 3.14159 and -0.5e10',
  "It's, we're, they've, I'm, you'll, he'd: contractions (and SHOUTED ONES: IT'S)",
  'line one\nline two\r\n\n\ttabbed\n',
  'Unicode: café, naïve, Grüße, 東京, こんにちは, Привет, 🙂👍🏽',
  'def f(x):\n    return x ** 2  # square\n',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nDescribe the image.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  '<|im_start|>user\nWhat is in the picture?<|im_end|>\n<|im_start|>assistant\n',
  '<image>',
];
const cases = texts.map(t => ({ text: t, ids: tokenizer.encode(t, { add_special_tokens: false }) }));
fs.writeFileSync('tokenizer_cases.json', JSON.stringify({
  source: 'ids from @lenml/tokenizers 3.7.2 (a transformers.js port, independent of Hugging Face\'s Rust tokenizers) with the shipped Llama 3 tokenizer.json, add_special_tokens=false; <image> is not in this vocabulary here (the llama plugin adds it)',
  cases }, null, 1) + '\n');
