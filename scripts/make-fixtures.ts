/**
 * `npm run fixtures:make`: regenerates `fixtures/models/fixture/*` from the generators in
 * `scripts/fixtures/` (re-exported here for the tests that read the fixtures' known answers).
 */
import { pathToFileURL } from "node:url";
import { FIXTURES_DIR, makeFixtures } from "./fixtures/index.js";

export * from "./fixtures/index.js";

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await makeFixtures();
  console.log(`wrote ${written.length} files under ${FIXTURES_DIR}`);
}
