import type { DeliveryState, DispatchStatus, Page, RecipientView } from '../../../../src/http/api-types.ts';

/**
 * The dispatch API's shapes are the server's (src/http/api-types.ts). Eligibility is the
 * server's too: the UI only shows `issues`.
 */
export type {
  DeliveryState,
  DispatchMode,
  DispatchStatus,
  DispatchView,
  DocumentFilterBody,
  DocumentSelectionBody as DispatchSelection,
  PreviewView,
  RecipientDelivery,
  RecipientIssue,
  RecipientIssueCode,
  RecipientView,
} from '../../../../src/http/api-types.ts';

export type RecipientPage = Page<RecipientView>;

/** The order in which the screens list delivery states (the domain's list is in lifecycle order). */
export const DELIVERY_STATES = ['queued', 'sending', 'retrying', 'sent', 'bounced', 'failed', 'uncertain', 'cancelled'] as const satisfies readonly DeliveryState[];

/** A state the server adds but this list lacks fails the type check here (it does not satisfy `never`). */
type NoneMissing<T extends never> = T;
type _EveryStateListed = NoneMissing<Exclude<DeliveryState, (typeof DELIVERY_STATES)[number]>>;

export const isFinished = (status: DispatchStatus): boolean => status === 'completed' || status === 'cancelled';
