import { spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';

/**
 * A reason the local stack cannot start that the user fixes by hand (a busy port, no Java). `npm start`
 * prints its message as one line, without a stack trace.
 */
export class LocalStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStartError';
  }
}

/** Whether anything answers a TCP connect on the port (a listener on any local address does). */
const answersConnect = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1_000);
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });

/** Whether this process could listen on the port of every IPv4 address (DynamoDB Local binds 0.0.0.0). */
const canListen = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });

export const isPortInUse = async (port: number): Promise<boolean> =>
  (await answersConnect(port, '127.0.0.1')) ||
  !(await canListen(port, '127.0.0.1')) ||
  !(await canListen(port, '0.0.0.0'));

export const portInUseMessage = (port: number, setting: string): string =>
  `port ${port} is in use; set ${setting} to another port`;

/** Stops the start of a component whose port something else holds, naming the setting that moves it. */
export const assertPortFree = async (port: number, setting: string): Promise<void> => {
  if (port !== 0 && (await isPortInUse(port))) throw new LocalStartError(portInUseMessage(port, setting));
};

/** DynamoDB Local 3.x runs on Java 17 or newer. */
export const MINIMUM_JAVA = 17;
const JAVA_INSTALL_HINT =
  'install one (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17) and put its java on the PATH';

/** The major version in `java -version`'s banner: `"17.0.15"` -> 17, `"1.8.0_392"` -> 8. */
export const javaMajorVersion = (banner: string): number | undefined => {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(banner);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
};

/** Checks that `java` (or `command`) is on the PATH and new enough for DynamoDB Local. */
export const assertJava = (command = 'java'): void => {
  const result = spawnSync(command, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new LocalStartError(
      missing
        ? `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and there is no java on the PATH; ${JAVA_INSTALL_HINT}`
        : `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and running "${command} -version" failed (${result.error.message}); ${JAVA_INSTALL_HINT}`,
    );
  }
  const major = javaMajorVersion(`${result.stderr}${result.stdout}`);
  if (major === undefined || major < MINIMUM_JAVA) {
    throw new LocalStartError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and the java on the PATH is ${major === undefined ? 'of an unknown version' : `Java ${major}`}; ${JAVA_INSTALL_HINT}`,
    );
  }
};
