/**
 * Where an alert's runbook section is: docs/runbook.md has one `## <AlertName>` heading per
 * alert, and the anchor GitHub (and most Markdown renderers) gives such a heading is the
 * name in lower case. Every alert carries the link as its `runbook_url` annotation, the
 * annotation name Prometheus's own mixins and Alertmanager integrations look for.
 */

/** The stable anchor of an alert's section in docs/runbook.md. */
export function runbookAnchor(alertName: string): string {
  return alertName.toLowerCase();
}

/** The link to an alert's section: the plan's `monitoring.runbookBaseUrl`, `#`, the anchor. */
export function runbookUrl(baseUrl: string, alertName: string): string {
  return `${baseUrl}#${runbookAnchor(alertName)}`;
}
