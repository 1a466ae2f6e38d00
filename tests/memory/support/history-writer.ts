// A worker that appends turns through its own connection, racing the other workers.
import { workerData } from "node:worker_threads";
import { Store } from "../../../src/memory/index.js";

const { file, userId, turns } = workerData as { file: string; userId: number; turns: number };
const store = Store.open(file);
for (let i = 0; i < turns; i++) {
  store.history.append({ chatId: 1, userId }, [{ role: "user", kind: "text", text: `turn ${i}` }]);
}
store.close();
