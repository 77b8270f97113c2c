/** The sensor reads btree leaf density with pgstattuple's pgstatindex. */
export const sql = `
CREATE EXTENSION IF NOT EXISTS pgstattuple;
`;
