/** `node --import tsx bench/replace-main.ts <stops>`: one replace run in this process; prints its JSON last. */
import { runReplace } from './replace';

const stops = Number(process.argv[2] ?? 100);
console.log(JSON.stringify(await runReplace({ stops })));
process.exit(0);
