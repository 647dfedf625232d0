/** `npm run schema`: regenerates stacks/stack-config.schema.json from the plan schema. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stackConfigJsonSchemaText } from './json-schema';
import { projectRoot } from './load';

const file = path.join(projectRoot(), 'stacks', 'stack-config.schema.json');
fs.writeFileSync(file, stackConfigJsonSchemaText());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
