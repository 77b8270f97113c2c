import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRuntimeInfo } from '../../src/infra/runtime-file';

/** `npm start` masks the password: the README's psql command must find the whole URL where it is kept. */
describe("the README's psql command for the embedded server", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const command = /^psql "\$\(node -p .*runtime\.json.*\)"$/m.exec(readme)?.[0];

  it('is in the README, and the URL it reads is the one npm start writes, password included', () => {
    expect(command).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-readme-'));
    try {
      const url = 'postgres://postgres:s3cret@127.0.0.1:54329/postgres';
      writeRuntimeInfo(
        {
          temporalAddress: '127.0.0.1:7233',
          namespace: 'default',
          taskQueue: 'selfheal',
          databaseUrl: url,
          uiUrl: null,
          pid: process.pid,
          startedAt: new Date().toISOString(),
        },
        join(dir, '.data', 'runtime.json'),
      );
      // As the shell runs it from the checkout, with psql replaced by echo.
      const r = spawnSync('sh', ['-c', command!.replace(/^psql /, 'echo ')], { cwd: dir, encoding: 'utf8' });
      expect({ status: r.status, stdout: r.stdout.trim(), stderr: r.stderr }).toEqual({
        status: 0,
        stdout: url,
        stderr: '',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
