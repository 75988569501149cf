// Parses a GIFT file with gift-pegjs and prints what it found, as JSON: the number of categories
// and of questions of each type. A parse error exits 1 with the parser's message and position.
// Usage: node gift_check.js FILE.gift
"use strict";
const fs = require("fs");
const path = require("path");
const { parse } = require(path.join(__dirname, "node_modules", "gift-pegjs"));

const text = fs.readFileSync(process.argv[2], "utf8");
let questions;
try {
  questions = parse(text);
} catch (e) {
  const at = e.location ? ` at line ${e.location.start.line}, column ${e.location.start.column}` : "";
  console.error(`gift-pegjs: ${e.message}${at}`);
  process.exit(1);
}
const summary = { categories: 0, questions: 0, types: {}, titles: [], answers: [] };
for (const q of questions) {
  if (q.type === "Category") {
    summary.categories += 1;
    continue;
  }
  summary.questions += 1;
  summary.types[q.type] = (summary.types[q.type] || 0) + 1;
  summary.titles.push(q.title);
  // The right answers as the parser read them: numbers, or the right choice's text.
  const right = (q.choices || []).filter((c) => c.isCorrect && (c.weight === null || c.weight === undefined || c.weight > 0));
  summary.answers.push(right.map((c) => (c.text && c.text.number !== undefined ? c.text.number : c.text && c.text.text !== undefined ? c.text.text : c.text)));
}
console.log(JSON.stringify(summary));
