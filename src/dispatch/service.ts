/**
 * The use cases of the dispatch dialog ("Senden aller selektierten Rechnungen"), one function
 * each, in one file per concern. Writes take the transaction they run in; reads take any
 * executor. Results are plain view objects shaped for the API (no database row leaves these
 * modules as it is). This module only re-exports them, for callers that want them all.
 */
export { cancelDispatch, resolveDelivery, retryDispatch } from './control.ts';
export type { DispatchRow } from './dispatch-row.ts';
export { deliveryCounts, getDispatch, listDispatches, type DeliveryCounts, type DispatchView } from './dispatch-view.ts';
export { createDispatch, fixRecipientAddress, removeIneligible, removeRecipients, restoreRecipients, updateDispatch, type DispatchSelection } from './draft.ts';
export { previewRecipient, sendTestMessage, type PreviewView } from './preview.ts';
export { listRecipients, loadRecipients, recipientPages, type RecipientDocumentView, type RecipientView } from './recipients.ts';
export { printBatch, reportCsv } from './report.ts';
export { sendDispatch, type SendOutcome } from './send.ts';
export { parseTemplateSnapshot } from './template-snapshot.ts';
