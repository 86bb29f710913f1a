import type { Api } from "./api";
import type { ProjectSettings } from "./settings";

/** What the shell gives every page that edits the project's settings through a form of its own. */
export interface SettingsPageProps<Form> {
  api: Api;
  project: string;
  /** The page's form, kept by the shell while the admin goes from page to page. */
  form: Form;
  /** A manager's view: shown, not editable (the hub would refuse). */
  readonly?: boolean;
  onsaved: (settings: ProjectSettings) => void;
  onexpired: () => void;
}
