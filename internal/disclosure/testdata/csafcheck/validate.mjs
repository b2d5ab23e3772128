// Checks CSAF 2.0 documents with BSI's csaf-validator-lib: the strict
// schema, every mandatory and every optional test, and the informative tests
// that need neither the network (6.3.6 and 6.3.7 fetch URLs) nor hunspell
// (6.3.8). Prints one JSON object: for each file given, the findings
// (errors, warnings and infos) of each test that reported any.
//
//   node validate.mjs a.json b.json
import { readFile } from 'node:fs/promises'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as schema from '@secvisogram/csaf-validator-lib/schemaTests.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import * as optional from '@secvisogram/csaf-validator-lib/optionalTests.js'
import * as informative from '@secvisogram/csaf-validator-lib/informativeTests.js'

const needsNetworkOrTools = ['informativeTest_6_3_6', 'informativeTest_6_3_7', 'informativeTest_6_3_8']

const sets = {
  schema: [schema.csaf_2_0_strict],
  mandatory: Object.values(mandatory),
  optional: Object.values(optional),
  informative: Object.values(informative).filter((t) => !needsNetworkOrTools.includes(t.name)),
}

const out = { ran: {}, files: {} }
for (const [kind, tests] of Object.entries(sets)) {
  out.ran[kind] = tests.map((t) => t.name)
}
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(await readFile(file, 'utf8'))
  const findings = []
  for (const [kind, tests] of Object.entries(sets)) {
    const result = await validateStrict(tests, doc)
    for (const t of result.tests) {
      for (const level of ['errors', 'warnings', 'infos']) {
        for (const f of t[level]) {
          findings.push({ kind, test: t.name, level, path: f.instancePath, message: f.message })
        }
      }
    }
  }
  out.files[file] = findings
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
