/**
 * Restores the bot's database from a backup (DATA_DIR as the bot resolves it). Refuses
 * while the database is open anywhere (stop the bot first) or when the backup fails
 * PRAGMA integrity_check; keeps the replaced file beside it as *.before-restore-<time>.
 *
 *   npm run restore -- FILE
 */
import path from "node:path";
import { ConfigError, loadConfig, loadDotEnv } from "../src/config/index.js";
import { BackupError, restoreDatabase } from "../src/memory/backup.js";

function main(argv: string[]): void {
  if (argv.length !== 1 || argv[0]!.startsWith("-"))
    throw new BackupError("Usage: npm run restore -- FILE (stop the bot first)");
  loadDotEnv();
  const config = loadConfig(process.env, { needsToken: false });
  const kept = restoreDatabase(path.resolve(argv[0]!), config.databasePath, new Date());
  if (kept) console.log(`the replaced database is kept as ${kept}`);
  console.log(`restored ${config.databasePath} from ${path.resolve(argv[0]!)}; start the bot`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  const known = error instanceof BackupError || error instanceof ConfigError;
  console.error(`restore: ${known ? error.message : ((error as Error).stack ?? String(error))}`);
  process.exitCode = 1;
}
