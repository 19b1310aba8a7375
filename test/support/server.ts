import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ensureBuilt, ROOT } from "./built.js";

export interface RunningServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the real server (built code, lowdb store in `curriculaDir`) on a free port and waits until it listens. */
export async function startServer(curriculaDir: string, env: Record<string, string> = {}): Promise<RunningServer> {
  ensureBuilt();
  const child = spawn(process.execPath, [join(ROOT, "dist", "src", "server.js")], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", CURRICULA_DIR: curriculaDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 20_000).unref();
  });
  return {
    url,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        // Already gone (exited, or killed by a signal as a crash test does).
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export interface ProvisionedAccount {
  email: string;
  password: string;
  /** `Bearer ...` for the JSON API. */
  authorization: string;
}

/**
 * Makes an administrator in a store folder with the CLI, exactly as an operator's script would (password on
 * standard input), and an API token for it. The server must not be running on the folder yet (one writer). `env` is
 * added to the CLI's environment: with `DATABASE_URL` the account is made in that database instead (servers may
 * already be running on it).
 */
export function provisionAccount(curriculaDir: string, options: { email?: string; org?: string; role?: string } = {}, extraEnv: Record<string, string> = {}): ProvisionedAccount {
  ensureBuilt();
  const email = options.email ?? "admin@example.org";
  const password = "correct horse battery staple";
  const env = { ...process.env, CURRICULA_DIR: curriculaDir, ...extraEnv };
  const cli = join(ROOT, "dist", "src", "cli.js");
  execFileSync(process.execPath, [cli, "users", "add", "--email", email, "--name", "Test Admin", "--org", options.org ?? "Test Hospital", "--role", options.role ?? "admin"], { cwd: ROOT, env, input: `${password}\n`, stdio: ["pipe", "pipe", "pipe"] });
  const token = execFileSync(process.execPath, [cli, "tokens", "create", "--email", email, "--label", "tests"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }).toString().trim();
  return { email, password, authorization: `Bearer ${token}` };
}
