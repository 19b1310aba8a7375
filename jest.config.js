/**
 * Jest 30 with @swc/jest under native ESM (ts-jest does not work with TypeScript 7).
 * Run through `npm test`, which sets NODE_OPTIONS=--experimental-vm-modules.
 * @type {import("jest").Config}
 */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2023", parser: { syntax: "typescript" } }, module: { type: "es6" } }],
  },
  // Sources import "./x.js" (NodeNext); under Jest they resolve to the .ts file.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testTimeout: 30000,
};
