import assert from "node:assert/strict";
import { test } from "node:test";
import { redactUrl } from "../../src/conda/index.js";

test("redactUrl hides user info and path tokens", () => {
  assert.equal(redactUrl("https://user:secret@repo.example/conda-forge"), "https://***@repo.example/conda-forge");
  assert.equal(redactUrl("https://conda.example/t/abc-123/ch/linux-64"), "https://conda.example/t/***/ch/linux-64");
  assert.equal(redactUrl("file:///srv/channel"), "file:///srv/channel");
});
