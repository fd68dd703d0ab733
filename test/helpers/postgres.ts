// Tests use the same throwaway PostgreSQL cluster as the site benchmark (src/cli/pg-cluster.ts).
export { postgresMissing, startCluster, type TestCluster } from '../../src/cli/pg-cluster';
