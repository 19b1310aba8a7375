import { afterAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provisionAccount, startServer } from "../support/server.js";

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every process below `pid` (Chromium runs as a tree of processes under the server). */
function descendants(pid: number): number[] {
  const out = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent!, [...(children.get(parent!) ?? []), child!]);
  }
  const all: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (all.push(c), walk(c)));
  walk(pid);
  return all;
}

/** Still running: exists and is not a zombie (an exited process whose parent has not collected it yet). */
const alive = (pid: number) => {
  try {
    const state = execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim();
    return state !== "" && !state.startsWith("Z");
  } catch {
    return false;
  }
};

describe("the server process", () => {
  test("when it gets SIGTERM after rendering, then it exits 0, leaves no Chromium behind and releases the store", async () => {
    dir = await mkdtemp(join(tmpdir(), "lifecycle-"));
    const { authorization } = provisionAccount(dir);
    const server = await startServer(dir);
    const created = await fetch(`${server.url}/api/curricula`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization },
      body: JSON.stringify({ title: "Lifecycle", sector: "postal", totalHours: 8, startDate: "2027-01-04" }),
    });
    const { id } = (await created.json()) as { id: string };
    const pdf = await fetch(`${server.url}/curricula/${id}/syllabus.pdf`, { headers: { authorization } });
    expect(pdf.status).toBe(200);
    const chromium = descendants(server.process.pid!);
    expect(chromium.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, "store.lock"))).toBe(true);
    expect(existsSync(join(dir, "accounts.lock"))).toBe(true);

    const exit = new Promise<number | null>((resolve) => server.process.once("exit", (code) => resolve(code)));
    server.process.kill("SIGTERM");
    expect(await exit).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const left = chromium.filter(alive);
    const names = left.length ? execFileSync("ps", ["-o", "pid=,stat=,args=", "-p", left.join(",")], { encoding: "utf8" }) : "";
    expect(names).toBe("");
    expect(existsSync(join(dir, "store.lock"))).toBe(false);
    expect(existsSync(join(dir, "accounts.lock"))).toBe(false);
  }, 60_000);

  test("when a stored file is corrupt, then the server refuses to start and names it", async () => {
    const corrupt = await mkdtemp(join(tmpdir(), "corrupt-"));
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(join(corrupt, "store"));
    await writeFile(join(corrupt, "store", "0b6a4a3e-1111-4222-8333-444455556666.json"), "{ not json");
    await expect(startServer(corrupt)).rejects.toThrow(/0b6a4a3e-1111-4222-8333-444455556666\.json is corrupt: not valid JSON/);
    await rm(corrupt, { recursive: true, force: true });
  }, 60_000);
});
