// Writes tutorial_layout_cases.json: run in a folder where `npm install @lenml/tokenizers@3.7.2` was done,
// with TOKENIZER_DIR naming a folder holding the fixture's tokenizer.json and tokenizer_config.json.
const fs = require('fs');
const { TokenizerLoader } = require('@lenml/tokenizers');
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(process.env.TOKENIZER_DIR + '/tokenizer.json', 'utf8')),
  tokenizerConfig: JSON.parse(fs.readFileSync(process.env.TOKENIZER_DIR + '/tokenizer_config.json', 'utf8')),
});
const pads = '<|image_pad|>'.repeat(49);
const texts = [
  '<|im_start|>user\nDescribe the image concisely.\n' + pads + '<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>system\nYou are a helpful medical assistant.<|im_end|>\n<|im_start|>user\nDescribe the image concisely.\n' + pads + '<|im_end|>\n<|im_start|>assistant\nA red circle above a blue square.<|im_end|>',
];
const cases = texts.map(t => ({ text: t, ids: tokenizer.encode(t, { add_special_tokens: false }) }));
fs.writeFileSync('tutorial_layout_cases.json', JSON.stringify({
  source: 'ids from @lenml/tokenizers 3.7.2 (a transformers.js port, independent of Hugging Face\'s Rust tokenizers) with this folder\'s tokenizer.json, add_special_tokens=false; texts: the PyTorch LLaVA tutorial\'s prompt layout (instruction, a newline, 49 x <|image_pad|>, no <|vision_start|>/<|vision_end|>) in ChatML, written out by hand',
  cases }, null, 1) + '\n');
