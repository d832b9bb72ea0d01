import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually';
import { freePort } from './free-port';
import { NATS_SERVER, waitForPort } from './nats-server';

/** One nats-server of a test cluster. Its ports and store survive `kill` and `restart`. */
export interface TestNatsNode {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  /** SIGKILLs the process; the store survives. */
  kill(): Promise<void>;
  /** Starts the process again on the same ports and store. */
  restart(): Promise<void>;
  /** SIGSTOP: the process stays, answers nothing, and its peers elect around it. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  readonly running: boolean;
}

export interface TestNatsCluster {
  readonly nodes: readonly TestNatsNode[];
  /** Every node's client URL, comma-separated, as services take `NATS_URL`. */
  readonly servers: string;
  /** Stops every node and deletes the stores. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Nodes in the cluster. Default 3. */
  size?: number;
  /** The cluster's name (JetStream placement `cluster`). Default `aether-test`. */
  name?: string;
  /**
   * Extra top-level configuration merged into every node's file (accounts, authorization, tags),
   * for suites that need more than an open JetStream cluster.
   */
  extraConfig?: (node: { name: string; index: number }) => Record<string, unknown>;
  /** How long to wait for the JetStream meta leader. Default 30 s. */
  readyTimeoutMs?: number;
}

/**
 * The configuration of one clustered JetStream node, as an object: nats-server reads JSON as
 * its configuration format, so a suite adds accounts or TLS by adding keys, not by editing text.
 */
export function clusterNodeConfig(node: {
  name: string;
  cluster: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  storeDir: string;
  routes: readonly number[];
}): Record<string, unknown> {
  return {
    server_name: node.name,
    host: '127.0.0.1',
    port: node.port,
    http_port: node.monitorPort,
    jetstream: { store_dir: node.storeDir },
    cluster: {
      name: node.cluster,
      host: '127.0.0.1',
      port: node.clusterPort,
      routes: node.routes.map((port) => `nats://127.0.0.1:${port}`),
    },
  };
}

/** Starts a JetStream cluster of real nats-server processes on loopback ports, with temporary stores. */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<TestNatsCluster> {
  const size = options.size ?? 3;
  const cluster = options.name ?? 'aether-test';
  const ports = await distinctPorts(size * 3);
  const root = mkdtempSync(join(tmpdir(), 'aether-nats-cluster-'));
  const specs = Array.from({ length: size }, (_, index) => ({
    index,
    name: `n${index + 1}`,
    port: ports[index * 3],
    clusterPort: ports[index * 3 + 1],
    monitorPort: ports[index * 3 + 2],
    storeDir: join(root, `n${index + 1}`),
  }));
  const nodes = specs.map((spec) => {
    const configFile = join(root, `${spec.name}.conf`);
    const config = {
      ...clusterNodeConfig({
        ...spec,
        cluster,
        routes: specs.filter((other) => other !== spec).map((other) => other.clusterPort),
      }),
      ...options.extraConfig?.(spec),
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    return clusterNode(spec, configFile);
  });
  try {
    await Promise.all(nodes.map((node) => node.restart()));
    await waitForMetaLeader(nodes, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    servers: nodes.map((node) => node.url).join(','),
    async stop() {
      for (const node of nodes) node.resume();
      await Promise.all(nodes.map((node) => node.stopGracefully()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until every running node sees the same JetStream meta leader. */
export async function waitForMetaLeader(nodes: readonly TestNatsNode[], timeoutMs: number): Promise<string> {
  return eventually(
    async () => {
      const leaders = await Promise.all(
        nodes
          .filter((node) => node.running)
          .map(async (node) => {
            const response = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`, {
              signal: AbortSignal.timeout(1_000),
            });
            const jsz = (await response.json()) as { meta_cluster?: { leader?: string } };
            return jsz.meta_cluster?.leader;
          }),
      );
      const leader = leaders[0];
      return leader && leaders.every((other) => other === leader) ? leader : undefined;
    },
    { timeoutMs, intervalMs: 100, what: 'a JetStream meta leader every node agrees on' },
  );
}

/** What `placeOffClient` reads of a consumer's info. */
export interface PlacedConsumer {
  readonly name: string;
  readonly cluster?: { readonly leader?: string };
}

/** A consumer that `placeOffClient` got placed off its client's node. */
export interface PlacedOffClient<T> {
  readonly candidate: T;
  /** The node leading the candidate's consumer. */
  readonly host: TestNatsNode;
  /** The other nodes' client URLs, comma-separated: a connection that survives killing `host`. */
  readonly others: string;
}

/**
 * A failover test needs a consumer whose node dies while its client's connection survives, but a
 * consumer goes where the server puts it, often on the client's own node (three tries in a row
 * landed at home in CI). Starts `start(client)` against each node in turn, `rounds` times over,
 * until the consumer it made (the first one `consumers()` lists that was not there before) is led
 * by another node; every other candidate is stopped with `stop`.
 */
export async function placeOffClient<T>(
  cluster: TestNatsCluster,
  consumers: () => AsyncIterable<PlacedConsumer>,
  start: (client: TestNatsNode) => Promise<T>,
  stop: (candidate: T) => unknown,
  rounds = 5,
): Promise<PlacedOffClient<T>> {
  const seen = new Set<string>();
  for await (const info of consumers()) seen.add(info.name);
  for (let round = 0; round < rounds; round++)
    for (const client of cluster.nodes) {
      const candidate = await start(client);
      const leader = await eventually(
        async () => {
          for await (const info of consumers())
            if (!seen.has(info.name) && info.cluster?.leader) {
              seen.add(info.name);
              return info.cluster.leader;
            }
          return undefined;
        },
        { what: `the consumer started from ${client.name}` },
      );
      const host = cluster.nodes.find((node) => node.name === leader);
      if (host && host !== client) {
        const others = cluster.nodes.filter((node) => node !== host);
        return { candidate, host, others: others.map((node) => node.url).join(',') };
      }
      await stop(candidate);
    }
  throw new Error(`every consumer landed on its client's node, ${rounds} times over`);
}

type ClusterNode = TestNatsNode & { stopGracefully(): Promise<void> };

function clusterNode(
  spec: { name: string; port: number; clusterPort: number; monitorPort: number; storeDir: string },
  configFile: string,
): ClusterNode {
  let child: ChildProcess | undefined;
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const signal = async (sig: NodeJS.Signals) => {
    const current = child;
    if (!current || !alive()) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill(sig);
    });
  };
  return {
    ...spec,
    url: `nats://127.0.0.1:${spec.port}`,
    get running() {
      return alive();
    },
    async restart() {
      if (alive()) return;
      const started = spawn(NATS_SERVER, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = started;
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
      await waitForPort(spec.port, 10_000, () => stderr);
    },
    kill: () => signal('SIGKILL'),
    pause() {
      if (alive()) child?.kill('SIGSTOP');
    },
    resume() {
      if (alive()) child?.kill('SIGCONT');
    },
    stopGracefully: () => signal('SIGTERM'),
  };
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
