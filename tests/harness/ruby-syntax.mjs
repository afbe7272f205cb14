// Ruby's own parser on a file, as `ruby -c FILE` does it, for machines without Ruby: CRuby 3.4
// compiled to WebAssembly (npm's @ruby/3.4-wasm-wasi), run on Node's WASI (Bun's lacks what it
// needs). Prints "Syntax OK" and exits 0, or prints Ruby's SyntaxError and exits 1.
//
//   node tests/harness/ruby-syntax.mjs FILE
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { DefaultRubyVM } from "@ruby/wasm-wasi/dist/node";

const file = process.argv[2];
const wasm = createRequire(import.meta.url).resolve("@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm");
const { vm } = await DefaultRubyVM(await WebAssembly.compile(await readFile(wasm)));
// The source goes in as hex, so nothing in it can be read as Ruby string syntax on the way.
const hex = Buffer.from(await readFile(file)).toString("hex");
try {
  vm.eval(
    `RubyVM::InstructionSequence.compile(["${hex}"].pack("H*").force_encoding("UTF-8"), ${JSON.stringify(file)})`,
  );
  console.log("Syntax OK");
} catch (error) {
  console.log(String(error?.message ?? error));
  process.exitCode = 1;
}
