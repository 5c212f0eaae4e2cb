import type { Customer } from "../api/types";
import { t } from "../i18n";

/** What a customer is called on their page and in a title: their name, or else their first
 * address or phone, or else their number. */
export function customerName(customer: Customer): string {
  return customer.name || customer.emails[0] || customer.phones[0] || t("customers.numbered", { id: customer.id });
}

/** A customer told apart from a namesake: "Jane D. <jane@old.example>". */
export function customerLabel(customer: Customer): string {
  const address = customer.emails[0];
  return customer.name && address ? `${customer.name} <${address}>` : customerName(customer);
}
