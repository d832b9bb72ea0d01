// `node tools/deploy/validate-manifests.mjs < rendered.yaml`: checks every object of a rendered
// kustomization against the Kubernetes OpenAPI schemas (kubernetes-models) and prints one JSON
// line: {"objects":[…],"errors":[…]}. Exits 1 when an object is invalid or of an unknown kind.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const documents = parseAllDocuments(readFileSync(0, 'utf8'))
  .map((document) => document.toJSON())
  .filter(Boolean);

const objects = [];
const errors = [];
for (const object of documents) {
  const id = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata?.name };
  objects.push(id);
  let Model;
  try {
    Model = (await import(`kubernetes-models/${object.apiVersion}`))[object.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) {
    errors.push({ ...id, errors: [`no schema for ${object.apiVersion} ${object.kind}`] });
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    errors.push({
      ...id,
      errors: (error.errors ?? [error]).map((e) => `${e.instancePath ?? ''} ${e.message}`.trim()),
    });
  }
}
console.log(JSON.stringify({ objects, errors }));
process.exitCode = errors.length ? 1 : 0;
