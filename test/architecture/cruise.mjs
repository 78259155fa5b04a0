/**
 * Runs dependency-cruiser's API on a tree with a configuration and prints the violations as JSON.
 * dependency-cruiser is ESM only, which Jest's CommonJS runtime cannot load, so layering.test.ts runs
 * this file in its own Node process: `node cruise.mjs <config file> <base dir> <path>...`.
 */
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const [configFile, baseDir, ...paths] = process.argv.slice(2);
// Rule paths (`^src/core/`) and the tsconfig named in the options are relative to the tree's root.
process.chdir(baseDir);
const options = await extractDepcruiseOptions(configFile);
const tsConfigFile = options.tsConfig?.fileName;
const tsConfig = tsConfigFile ? extractTSConfig(tsConfigFile) : undefined;
const { output } = await cruise(paths, { ...options, outputType: 'json' }, undefined, { tsConfig });
const result = typeof output === 'string' ? JSON.parse(output) : output;
const violations = result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
process.stdout.write(JSON.stringify({ violations, modules: result.summary.totalCruised }));
