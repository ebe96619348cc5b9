import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { freePort } from '../../local/ports';
import { assertJava, javaMajorVersion } from '../../local/preflight';
import { startTestStack } from '../support/api';

const root = resolve(import.meta.dirname, '../..');
const held: Server[] = [];

/** Something else on the port: here a bare TCP listener, as another DynamoDB Local would be. */
const occupy = async (): Promise<number> => {
  const port = await freePort();
  const server = createServer((socket) => socket.end());
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', () => done()));
  held.push(server);
  return port;
};

afterEach(async () => {
  await Promise.all(held.splice(0).map((server) => new Promise<void>((done) => server.close(() => done()))));
});

describe('the local stack never shares a port', () => {
  it('refuses a busy DynamoDB Local port, naming the port and its setting', async () => {
    const port = await occupy();
    await expect(startDynamoDbLocal({ port })).rejects.toThrow(
      `port ${port} is in use; set TUGBOAT_LOCAL_DYNAMODB_PORT to another port`,
    );
  });

  it.each([
    ['PORT', 'apiPort'],
    ['TUGBOAT_LOCAL_SQS_PORT', 'sqsPort'],
    ['TUGBOAT_LOCAL_ECS_PORT', 'ecsPort'],
  ] as const)('refuses a busy port for %s', async (setting, option) => {
    const port = await occupy();
    await expect(startTestStack({ [option]: port })).rejects.toThrow(
      `port ${port} is in use; set ${setting} to another port`,
    );
  });

  it('npm start refuses an installation id with a hyphen in one line, before starting anything', async () => {
    const env = { ...process.env, TUGBOAT_INSTALLATION: 'prod-eu', PORT: String(await freePort()) };
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['local/start.ts'], { cwd: root, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('close', done));
    expect(code).toBe(1);
    expect(output).toMatch(
      /^TUGBOAT_INSTALLATION must be 1-40 letters and digits \(no hyphens.*got "prod-eu"\n$/,
    );
  }, 60_000);

  it('npm start prints the ARNs of default-web, default-web-green, default-alb, its listeners and rules', async () => {
    const env = {
      ...process.env,
      PORT: String(await freePort()),
      TUGBOAT_LOCAL_DYNAMODB_PORT: String(await freePort()),
      TUGBOAT_LOCAL_SQS_PORT: String(await freePort()),
      TUGBOAT_LOCAL_ECS_PORT: String(await freePort()),
      TUGBOAT_LOCAL_ELB_PORT: String(await freePort()),
      TUGBOAT_LOCAL_CLOUDWATCH_PORT: String(await freePort()),
      TUGBOAT_RECONCILE_INTERVAL_SECONDS: '0',
      TUGBOAT_SCALING_INTERVAL_SECONDS: '0',
    };
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['local/start.ts'], { cwd: root, env });
    let output = '';
    const ready = new Promise<void>((done, failed) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Press Ctrl+C to stop.')) done();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('close', () => failed(new Error(`npm start exited:\n${output}`)));
      // Say what it printed, should it never be ready (once seen on a loaded machine, with nothing to go on).
      setTimeout(() => failed(new Error(`npm start not ready in 100 s:\n${output}`)), 100_000).unref();
    });
    try {
      await ready;
    } finally {
      const closed = new Promise((done) => child.once('close', done));
      child.kill('SIGINT');
      await closed;
    }
    const arn = (kind: string) => `arn:aws:elasticloadbalancing:us-east-1:000000000000:${kind}/`;
    expect(output).toMatch(new RegExp(`target group "default-web": +${arn('targetgroup')}default-web/`));
    expect(output).toMatch(
      new RegExp(`target group "default-web-green": ${arn('targetgroup')}default-web-green/`),
    );
    expect(output).toMatch(
      new RegExp(`load balancer "default-alb": +${arn('loadbalancer')}app/default-alb/`),
    );
    expect(output).toMatch(
      new RegExp(`production listener \\(port 80\\): +${arn('listener')}app/default-alb/`),
    );
    expect(output).toMatch(new RegExp(`test listener \\(port 8080\\): +${arn('listener')}app/default-alb/`));
    expect(
      output.match(new RegExp(`default rule: +${arn('listener-rule')}app/default-alb/`, 'g')),
    ).toHaveLength(2);
  }, 120_000);

  it('npm start stops at once with one line, no stack trace, when DynamoDB Local port is busy', async () => {
    const dynamoDbPort = await occupy();
    const env = {
      ...process.env,
      PORT: String(await freePort()),
      TUGBOAT_LOCAL_DYNAMODB_PORT: String(dynamoDbPort),
      TUGBOAT_LOCAL_SQS_PORT: String(await freePort()),
      TUGBOAT_LOCAL_ECS_PORT: String(await freePort()),
    };
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['local/start.ts'], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('close', done));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`port ${dynamoDbPort} is in use; set TUGBOAT_LOCAL_DYNAMODB_PORT to another port\n`);
  }, 60_000);
});

describe('Java for DynamoDB Local', () => {
  const fakeJava = (banner: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'tugboat-java-')), 'java');
    writeFileSync(path, `#!/bin/sh\necho '${banner}' >&2\n`);
    chmodSync(path, 0o755);
    return path;
  };

  it('says in one line that Java is missing and how to install it', () => {
    expect(() => assertJava('/nonexistent/java')).toThrow(
      /^DynamoDB Local needs Java 17 or newer, and there is no java on the PATH; install one \(Debian\/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17\)/,
    );
  });

  it('says in one line that Java is too old', () => {
    expect(() => assertJava(fakeJava('java version "1.8.0_392"'))).toThrow(
      /^DynamoDB Local needs Java 17 or newer, and the java on the PATH is Java 8; install one/,
    );
    expect(() => assertJava(fakeJava('openjdk version "21.0.2" 2024-01-16'))).not.toThrow();
  });

  it('reads major versions old and new', () => {
    expect(javaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaMajorVersion('java version "1.8.0_392"')).toBe(8);
    expect(javaMajorVersion('openjdk version "11" 2018-09-25')).toBe(11);
    expect(javaMajorVersion('nothing here')).toBeUndefined();
  });
});
