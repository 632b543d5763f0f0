// The Node flags host mode's process is started with (`npm run start:web`, `npm start` when Electron cannot run).

/**
 * V8's young generation, where every answer's garbage is made, is 16 MB a half at most. After some seconds of little
 * allocation (the user reading) V8 shrinks it to 1 MB a half, and it grows back only as objects outlive collections,
 * which an answer's garbage does not: the next burst of requests (scrolling the inbox) then paid a young collection
 * every few pages instead of every hundred or so, each pausing a request by about a millisecond (at 100,000
 * conversations, 25-50 collections in 448 calls instead of 3). Its least size is set to its greatest: the process
 * keeps the 32 MB of the busy app while idle. V8 reads it when the process starts only (set later, it is not used), so
 * it is a flag of the command, not code; `package.json`'s `start:web` says the same.
 */
export const HOST_NODE_FLAGS = ['--min-semi-space-size=16'] as const;
