/**
 * Which of a pass's event messages to write. plan() repeats itself while a situation lasts (a blocked
 * rollout, a back-off, a crash-looping deployment), often with only a time or a count changed: such a
 * repeat of the newest stored event is not written again within REPEAT_WINDOW_MS, so a service stuck
 * for days adds a handful of events an hour, not one a pass. But a repeat is news once the newest event
 * named a time that has passed and the repeat names another ("next launch at" a back-off that a new
 * failure lengthened): that event no longer says why (fuzz seed 3223). (Stored events also expire: see
 * SERVICE_EVENT_RETENTION_SECONDS in the store.)
 */
import type { ServiceEvent } from '../../domain';

/** An event that says again what the newest one said is written at most once in this long. */
export const REPEAT_WINDOW_MS = 5 * 60_000;

const ISO_TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?/g;
/** A count or a revision: digits standing alone, not part of an id such as `d-1` or `ecs-svc-4f2a`. */
const STANDALONE_NUMBER = /(?<![\w-])\d+(?![\w-])/g;

/** The message with its times and counts taken out: what it says, not when or how often. */
export const eventGist = (message: string): string =>
  message.replace(ISO_TIMESTAMP, '<time>').replace(STANDALONE_NUMBER, '<n>');

/** Whether `stored` named a time that has passed by `now`, and `message` names other times. */
const outdatedBy = (stored: string, message: string, now: number): boolean => {
  const named = stored.match(ISO_TIMESTAMP) ?? [];
  return (
    named.some((time) => Date.parse(time) <= now) &&
    named.join() !== (message.match(ISO_TIMESTAMP) ?? []).join()
  );
};

/**
 * The messages to write, in order, given the newest stored events (newest first). A pass that repeats
 * exactly the newest stored events writes nothing, however long ago they were; a message whose gist is
 * the newest event's (stored, or written earlier in this pass) is dropped when that event is younger
 * than REPEAT_WINDOW_MS, unless that event is outdated by it (outdatedBy).
 */
export const messagesToRecord = (
  messages: string[],
  storedNewestFirst: ServiceEvent[],
  now: number,
): string[] => {
  const stored = storedNewestFirst
    .slice(0, messages.length)
    .map((event) => event.message)
    .reverse();
  if (stored.length === messages.length && stored.every((message, index) => message === messages[index]))
    return [];
  const newestStored = storedNewestFirst[0];
  let newest = newestStored && {
    message: newestStored.message,
    gist: eventGist(newestStored.message),
    at: Date.parse(newestStored.createdAt),
  };
  const fresh: string[] = [];
  for (const message of messages) {
    const gist = eventGist(message);
    if (
      newest &&
      newest.gist === gist &&
      now - newest.at < REPEAT_WINDOW_MS &&
      !outdatedBy(newest.message, message, now)
    )
      continue;
    fresh.push(message);
    newest = { message, gist, at: now };
  }
  return fresh;
};
