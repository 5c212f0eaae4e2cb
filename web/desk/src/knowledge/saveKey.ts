/** Ctrl+S (⌘S on a Mac) in the knowledge editor, an article's form and a translation's: saves what
 * is typed, instead of the browser's "Save page". A keydown handler for the form. */
export function saveOnCtrlS(save: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  };
}
