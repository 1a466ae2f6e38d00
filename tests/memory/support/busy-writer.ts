// A worker that writes through its own connection in a loop until told to stop, counting
// committed writes in shared memory so the test can wait for writes to happen.
import { workerData } from "node:worker_threads";
import { Store } from "../../../src/memory/index.js";

const { file, counter } = workerData as { file: string; counter: Int32Array };
const store = Store.open(file);
for (let i = 1; Atomics.load(counter, 1) === 0; i++) {
  store.db
    .transaction(() => {
      store.history.append({ chatId: 1, userId: 1 }, [
        { role: "user", kind: "text", text: `turn ${i}` },
      ]);
      store.results.save({
        chatId: 1,
        userId: 1,
        kind: "ocr",
        language: "en",
        text: `result ${i}`,
      });
    })
    .immediate();
  Atomics.store(counter, 0, i);
  Atomics.notify(counter, 0);
}
store.close();
