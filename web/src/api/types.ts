/**
 * The HTTP API's shapes, under the names the web uses. They are the server's own types
 * (src/http/api-types.ts, with which its presenters and views are typed), so a change there
 * fails the web's type check instead of silently breaking a screen.
 */
export type {
  ApiTokenView as ApiToken,
  CompanyView as Company,
  ConnectionTestOutcome,
  CreatedApiToken,
  CustomerBody as CustomerInput,
  CustomerView as Customer,
  DeliverabilityReport,
  DocumentLineBody as DocumentLineInput,
  DocumentLineView as DocumentLine,
  DocumentListItem,
  DocumentSend,
  DocumentStatus,
  DocumentType,
  DocumentView as FaktDocument,
  ImapSettingsView,
  ImapTestOutcome,
  Language as Locale,
  LoginResult,
  MailPreset,
  MailSettingsResponse,
  MailSettingsView as MailSettings,
  Me,
  Page,
  Role,
  SecurityMode,
  TemplateKind,
  TemplatePreview,
  TemplateView as Template,
  TestMessageResult,
  UserView as User,
} from '../../../src/http/api-types.ts';
import type { DocumentBody, DocumentPatchBody } from '../../../src/http/api-types.ts';

/** The document editor sends one body: with `type` to create a draft, without it to change one. */
export type DocumentInput = DocumentBody | DocumentPatchBody;
