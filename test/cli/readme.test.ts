/** The README stays true: two quick-start commands, and every configuration variable documented. */
import { readFileSync } from 'node:fs';
import { auditSettings } from '../../services/audit/src/config.ts';
import { gatewaySettings } from '../../services/gateway/src/config.ts';
import { idpSettings } from '../../services/idp/src/config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the quick start is exactly two commands: the demo and the tests', () => {
  const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
  const block = /```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? '';
  const commands = block.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  expect(commands).toEqual(['npm install && npm run demo', 'npm test']);
});

test.each([
  ['gateway', gatewaySettings],
  ['audit service', auditSettings],
  ['identity provider', idpSettings],
] as const)('every %s variable is in the README', (_name, settings) => {
  const missing = Object.values(settings).map((s) => s.env).filter((env) => !readme.includes(`\`${env}\``));
  expect(missing).toEqual([]);
});
