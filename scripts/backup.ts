/**
 * Backs up the bot's database (DATA_DIR from the environment or `.env`, read by the same
 * config loader as the bot) through SQLite's online backup API: safe while the bot runs.
 *
 *   npm run backup                  -> $DATA_DIR/backups/bot-YYYYMMDD-HHMMSSZ.sqlite
 *   npm run backup -- FILE          -> FILE (must not exist)
 *   npm run backup -- --keep 7      -> and deletes all but the newest 7 in $DATA_DIR/backups
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, loadDotEnv } from "../src/config/index.js";
import {
  backupDatabase,
  BackupError,
  backupFileName,
  keepLastBackups,
} from "../src/memory/backup.js";

const USAGE = `Usage: npm run backup -- [FILE] [--keep N]
  FILE      where to write the backup (default: $DATA_DIR/backups/bot-<UTC time>.sqlite)
  --keep N  after the backup, delete all but the newest N backups in $DATA_DIR/backups`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { keep: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length > 1) throw new BackupError(`one file at most\n\n${USAGE}`);
  const keep = values.keep === undefined ? undefined : Number(values.keep);
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1))
    throw new BackupError(`--keep takes a whole number of at least 1\n\n${USAGE}`);
  loadDotEnv();
  const config = loadConfig(process.env, { needsToken: false });
  const dir = path.join(config.dataDir, "backups");
  const target = positionals[0]
    ? path.resolve(positionals[0])
    : path.join(dir, backupFileName(new Date()));
  const started = Date.now();
  const { bytes } = await backupDatabase(config.databasePath, target);
  console.log(`${target}\t${bytes} bytes\t${Date.now() - started} ms`);
  if (keep !== undefined)
    for (const removed of keepLastBackups(dir, keep)) console.log(`removed ${removed}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof BackupError || error instanceof ConfigError;
  console.error(`backup: ${known ? error.message : ((error as Error).stack ?? String(error))}`);
  process.exitCode = 1;
});
