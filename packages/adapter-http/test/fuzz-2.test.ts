import { fuzzShard } from "./fuzz-routes.ts";

// Shard 2 of the route fuzzing (fuzz-routes.ts says what it checks and why it is sharded).
fuzzShard(1);
