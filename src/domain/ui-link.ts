/**
 * Where a workflow run shows in the Temporal UI; null when the UI's address is not known. The CLI's
 * answers and the notifications a person gets link to the same page.
 */
export function temporalUiLink(
  uiUrl: string | null | undefined,
  namespace: string,
  workflowId: string,
  runId: string,
): string | null {
  if (!uiUrl) return null;
  return (
    `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/` +
    `${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
  );
}
