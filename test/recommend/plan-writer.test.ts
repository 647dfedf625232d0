/**
 * Writing a recommendation into a copy of stacks/Pulumi.rightsized.yaml: only the owned
 * keys change, every written line carries its basis, a second run writes the same bytes,
 * and a write that would produce an invalid plan leaves everything as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readProvenanceFile, unknownProvenancePaths } from '../../src/diff/provenance-file';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { Bytes, Cpu } from '../../src/plan/quantity';
import { defaultDataset } from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import { PlanWriteError, provenanceJson, renderRecommendedStack, stackSha256, writeRecommendation } from '../../src/recommend/plan-writer';
import { recommendPlan, type Recommendation } from '../../src/recommend/recommend';
import { soakVerdict, verdictRecord } from '../../src/recommend/verdict';
import type { SoakVerdictRecord } from '../../src/diff/provenance';
import { tempProject } from '../support/diff';

const soak = loadStackFile(stackFile('soak')).plan;
let recommendation: Recommendation;
/** The verdict `recommend --write` runs first, on the same data: the steady soak passes. */
let verdict: SoakVerdictRecord;

beforeAll(async () => {
  const dataset = defaultDataset();
  // The window `recommend --embedded` uses: the dataset after the default 10-minute warm-up.
  const window = { start: dataset.start + 600, end: dataset.end, stepSeconds: 60 };
  recommendation = await recommendPlan({ plan: soak, source: new EmbeddedSource(dataset), window });
  verdict = verdictRecord(await soakVerdict({ plan: soak, source: new EmbeddedSource(dataset), window }));
});

/**
 * The rightsized stack as it was before the recommender first wrote it (hand-written,
 * PROVISIONAL numbers): the file every test below starts from.
 */
const PROVISIONAL = path.join(__dirname, '..', 'fixtures', 'provisional-rightsized.yaml');

/** A temporary project whose rightsized stack is the provisional one, with no provenance file. */
function project() {
  const root = tempProject();
  const file = path.join(root, 'stacks', 'Pulumi.rightsized.yaml');
  fs.copyFileSync(PROVISIONAL, file);
  const provenance = path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json');
  fs.rmSync(provenance, { force: true });
  return { root, file, provenance, before: fs.readFileSync(file, 'utf8') };
}

type Tree = Record<string, unknown>;
const planOf = (text: string) => (parseYaml(text) as { config: Tree }).config['numaflow-soak:plan'] as Tree;

/** Deletes a dotted key path from a parsed plan (for comparing what is left). */
function drop(tree: Tree, keyPath: string): void {
  const keys = keyPath.split('.');
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    node = node[k] as Tree;
    if (node === undefined) return;
  }
  delete node[keys[keys.length - 1]];
}

const OWNED_CONTAINERS = [
  'pipeline.source.numa',
  'pipeline.batchMap.numa',
  'pipeline.batchMap.udf',
  'pipeline.sink.numa',
  'pipeline.daemon',
  'buffer.containers.main',
  'buffer.containers.reloader',
  'buffer.containers.metrics',
];

describe('writing the rightsized stack', () => {
  it('changes only the keys it owns: container requests/limits and vertex scale', () => {
    const p = project();
    const result = writeRecommendation(p.file, recommendation);
    const after = fs.readFileSync(p.file, 'utf8');
    const [a, b] = [planOf(p.before), planOf(after)];
    for (const c of OWNED_CONTAINERS) {
      drop(a, `${c}.requests`);
      drop(a, `${c}.limits`);
      drop(b, `${c}.requests`);
      drop(b, `${c}.limits`);
    }
    for (const v of ['batchMap', 'sink']) {
      drop(a, `pipeline.${v}.scale`);
      drop(b, `pipeline.${v}.scale`);
    }
    // The daemon mapping is new (the file relied on the default); emptied, it is all that differs.
    expect(b.pipeline && (b.pipeline as Tree).daemon).toEqual({});
    drop(b, 'pipeline.daemon');
    expect(b).toEqual(a);
    // The other top-level config keys are untouched too.
    const config = (text: string) => {
      const c = { ...(parseYaml(text) as { config: Tree }).config };
      delete c['numaflow-soak:plan'];
      return c;
    };
    expect(config(after)).toEqual(config(p.before));
    expect(result.changed).toContain('pipeline.batchMap.udf.requests.cpu');
    expect(result.changed).toContain('pipeline.batchMap.scale.max');
    expect(result.changed.every((k) => /\.(requests|limits)\.(cpu|memory)$|\.scale\.(min|max)$/.test(k))).toBe(true);
  });

  it('writes the recommended values, which the plan loader reads back, and keeps the buffer persistence', () => {
    const p = project();
    writeRecommendation(p.file, recommendation);
    const plan = loadStackFile(p.file).plan;
    const udf = recommendation.containers.find((c) => c.path === 'pipeline.batchMap.udf')!;
    expect(plan.pipeline.batchMap.udf.requests.cpu.equals(udf.recommended.requests.cpu)).toBe(true);
    expect(plan.pipeline.batchMap.udf.limits.memory.equals(udf.recommended.limits.memory)).toBe(true);
    expect(plan.pipeline.batchMap.scale).toMatchObject({ min: 18, max: 23 });
    expect(plan.buffer.persistence.volumeSize.toString()).toBe('40Gi');
    expect(plan.pipeline.batchMap.partitions).toBe(12);
  });

  it('explains itself: a header naming the source and window, no PROVISIONAL note, a basis comment per written line', () => {
    const p = project();
    writeRecommendation(p.file, recommendation);
    const after = fs.readFileSync(p.file, 'utf8');
    expect(p.before).toContain('PROVISIONAL');
    expect(after).not.toContain('PROVISIONAL');
    expect(after).toContain('generated by `numaflow-soak recommend`');
    expect(after).toContain('data from embedded:soak-steady-5d-120s-seed1817,\n# 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z, every 60s.');
    // Paragraphs the writer does not own stay.
    expect(after).toContain("# Deliberately unchanged from `soak`: the buffer service's persistence");
    expect(after).toContain('# How the Pulumi program deploys this stack');
    expect(after.startsWith('# yaml-language-server: $schema=./stack-config.schema.json\n#\n')).toBe(true);
    expect(after).toMatch(/ {10}requests: \{ cpu: 1720m, memory: 100Mi \} # p95 1\.43 cores over 18 pods \+20%; memory floor 100Mi \(peak 75\.6Mi over 18 pods \+15% is below it\); 7191 samples\n/);
    expect(after).toMatch(/ {10}limits: \{ cpu: 2080m, memory: 100Mi \} # CPU limit: peak 1\.73 cores over 18 pods \+20%; memory limit = request\n/);
    // The Guaranteed JetStream container is sized from its peak, and says so.
    expect(after).toContain('requests: { cpu: 5140m, memory: 2850Mi } # peak 4.28 cores over 3 pods +20%;');
    expect(after).toMatch(/scale: \{ min: 18, max: 23 \} # p95 50084 msg\/s over 18 replicas/);
    expect(after).toContain('limits: { cpu: 5140m, memory: 2850Mi } # limit = request (Guaranteed)');
    // The numa request is the statistic plus headroom, not rounded to whole cores.
    expect(after).toMatch(/numa:\n {10}requests: \{ cpu: 1230m, memory: 319Mi \} # p95 1\.02 cores over 18 pods \+20%;/);
    // No wall-clock time anywhere: the only dates are the data window's.
    const dates = after.match(/\d{4}-\d{2}-\d{2}T[\d:]+Z/g) ?? [];
    expect([...new Set(dates)]).toEqual(['2025-07-01T00:10:00Z', '2025-07-06T00:00:00Z']);
  });

  it('writes the same bytes on a second run with the same data (and changes nothing more)', () => {
    const p = project();
    writeRecommendation(p.file, recommendation);
    const first = fs.readFileSync(p.file);
    const firstProvenance = fs.readFileSync(p.provenance);
    const again = writeRecommendation(p.file, recommendation);
    expect(fs.readFileSync(p.file).equals(first)).toBe(true);
    expect(fs.readFileSync(p.provenance).equals(firstProvenance)).toBe(true);
    expect(again.changed).toEqual([]);
  });

  it('writes provenance the diff reports read: known paths, stable order, 2-space JSON with a final newline', () => {
    const p = project();
    writeRecommendation(p.file, recommendation);
    const text = fs.readFileSync(p.provenance, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{\n  "source": "embedded:soak-steady-5d-120s-seed1817",\n  "window": {\n    "start": "2025-07-01T00:10:00Z"')).toBe(true);
    const provenance = readProvenanceFile(p.provenance);
    expect(unknownProvenancePaths(provenance, loadStackFile(p.file).plan)).toEqual([]);
    expect(Object.keys(provenance.containers)).toEqual([...Object.keys(provenance.containers)].sort());
    const udf = provenance.containers['pipeline.batchMap.udf'];
    expect(udf.cpu!.samples).toBe(7191);
    expect(udf.headroomPercent).toEqual({ cpu: 20, memory: 15 });
    expect(udf.series!.t.length).toBeLessThanOrEqual(500);
    expect(provenance.containers['pipeline.batchMap.numa'].requiredCores).toBe(2);
    // With the hash of the stack file written beside it (a crash between the renames is then detectable).
    expect(provenanceJson(recommendation.provenance, stackSha256(fs.readFileSync(p.file, 'utf8')))).toBe(text);
  });

  it('keeps the committed rightsized stack and provenance in step with the embedded default (re-running changes no byte)', () => {
    const committed = fs.readFileSync(stackFile('rightsized'), 'utf8');
    const { text, changed } = renderRecommendedStack(committed, recommendation, 'Pulumi.rightsized.yaml');
    expect(changed).toEqual([]);
    expect(text).toBe(committed);
    // The committed provenance records the verdict the steady soak passed.
    expect(verdict).toEqual({ passed: true, insufficientData: false, window: recommendation.window, checks: 11, lines: [] });
    // ...and the hash of the committed stack file, so a stale pair is detected.
    expect(provenanceJson({ ...recommendation.provenance, verdict }, stackSha256(committed))).toBe(
      fs.readFileSync(path.join(path.dirname(stackFile('rightsized')), 'Pulumi.rightsized.provenance.json'), 'utf8'),
    );
  });

  it('records the verdict in the provenance, after the window and before the containers', () => {
    const p = project();
    writeRecommendation(p.file, recommendation, { verdict });
    const text = fs.readFileSync(p.provenance, 'utf8');
    expect(text).toContain('\n  },\n  "verdict": {\n    "passed": true,\n    "insufficientData": false,\n    "window": {');
    expect(text.indexOf('"verdict"')).toBeLessThan(text.indexOf('"containers"'));
    expect(readProvenanceFile(p.provenance).verdict).toEqual(verdict);
  });

  it('refuses to write after a failed or undecided verdict unless allowed, and records it when allowed', () => {
    const p = project();
    const failed: SoakVerdictRecord = { ...verdict, passed: false, lines: [{ check: 'oom-kills', status: 'fail', measured: '1 container(s) OOM-killed (batch-cat/udf 1)' }] };
    expect(() => writeRecommendation(p.file, recommendation, { verdict: failed })).toThrow(
      /^not writing .*Pulumi\.rightsized\.yaml: the soak FAILED its verdict \(oom-kills: 1 container\(s\) OOM-killed \(batch-cat\/udf 1\)\); allowFailedSoak writes it anyway$/,
    );
    const undecided: SoakVerdictRecord = { ...verdict, insufficientData: true, lines: [{ check: 'latency', status: 'no-data', measured: 'no forwarder_processing_time data' }] };
    expect(() => writeRecommendation(p.file, recommendation, { verdict: undecided })).toThrow('the soak had too little data for a verdict (latency (no data): no forwarder_processing_time data)');
    expect(fs.readFileSync(p.file, 'utf8')).toBe(p.before);
    expect(fs.existsSync(p.provenance)).toBe(false);
    writeRecommendation(p.file, recommendation, { verdict: failed, allowFailedSoak: true });
    expect(readProvenanceFile(p.provenance).verdict).toEqual(failed);
  });

  it('leaves both files untouched, and no temporary file, when the result would be an invalid plan', () => {
    const p = project();
    fs.writeFileSync(p.provenance, '{"old": true}\n');
    const broken: Recommendation = {
      ...recommendation,
      containers: recommendation.containers.map((c) =>
        c.path === 'pipeline.batchMap.udf'
          ? { ...c, recommended: { requests: { cpu: Cpu.parse('3'), memory: Bytes.parse('2Gi') }, limits: { cpu: Cpu.parse('2'), memory: Bytes.parse('1Gi') } } }
          : c,
      ),
    };
    expect(() => writeRecommendation(p.file, broken)).toThrow(PlanWriteError);
    expect(() => writeRecommendation(p.file, broken)).toThrow(/refusing to write Pulumi\.rightsized\.yaml: the updated stack is not a valid plan:[\s\S]*pipeline\.batchMap\.udf\.requests\.cpu: request 3 is above the limit 2/);
    expect(fs.readFileSync(p.file, 'utf8')).toBe(p.before);
    expect(fs.readFileSync(p.provenance, 'utf8')).toBe('{"old": true}\n');
    expect(fs.readdirSync(path.dirname(p.file)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses to write a recommendation made from too little data', () => {
    const p = project();
    const thin: Recommendation = { ...recommendation, insufficientData: true, reasons: ['the window is 2.0 h; the policy needs at least 24 h of history'] };
    expect(() => writeRecommendation(p.file, thin)).toThrow('too little data (the window is 2.0 h');
    expect(fs.readFileSync(p.file, 'utf8')).toBe(p.before);
    expect(fs.existsSync(p.provenance)).toBe(false);
  });

  it('leaves both files and no temporary file behind when a rename fails', () => {
    const p = project();
    // A directory where the provenance file should go: renaming a file over it fails.
    const blocked = path.join(path.dirname(p.file), 'blocked.provenance.json');
    fs.mkdirSync(blocked);
    expect(() => writeRecommendation(p.file, recommendation, { provenanceFile: blocked })).toThrow(/^cannot write .*Pulumi\.rightsized\.yaml: /);
    expect(fs.readFileSync(p.file, 'utf8')).toBe(p.before);
    expect(fs.readdirSync(path.dirname(p.file)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
