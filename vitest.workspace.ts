// The project list lives here (the layout the design card names); the root
// vitest.config.ts hands it to Vitest's `test.projects`.
export const projects: string[] = ["packages/*", "apps/*"];
