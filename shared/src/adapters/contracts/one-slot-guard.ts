import calculateSlot from 'cluster-key-slot';
import type Redis from 'ioredis';

/** What `guardScriptSlots` saw: how many scripts ran, and the KEYS of each that spanned several slots. */
export type ScriptSlotReport = { scripts: number; crossSlot: string[][] };

/**
 * Watches every EVAL / EVALSHA a client sends and records the scripts whose KEYS do not all hash to one
 * Redis Cluster slot (CRC16 of the hash tag, as `cluster-key-slot` computes it for ioredis). A test
 * runs a store's contract suite through a guarded client and asserts the report: on a cluster such a
 * script would fail with CROSSSLOT.
 */
export function guardScriptSlots(redis: Redis): ScriptSlotReport {
  const report: ScriptSlotReport = { scripts: 0, crossSlot: [] };
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    const name = command.name.toLowerCase();
    if (name === 'eval' || name === 'evalsha') {
      const count = Number(command.args[1]);
      const keys = command.args.slice(2, 2 + count).map(String);
      report.scripts++;
      if (new Set(keys.map((key) => calculateSlot(key))).size > 1) report.crossSlot.push(keys);
    }
    return send(command, stream);
  }) as Redis['sendCommand'];
  return report;
}
