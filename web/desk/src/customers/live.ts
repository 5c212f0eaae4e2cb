import { defineStore } from "pinia";
import { reactive } from "vue";

/**
 * `customer.updated`: a customer's field values changed elsewhere (another agent, a rule, the API).
 * Each customer's count of changes heard; a sidebar showing the customer watches its count and
 * reads the customer again, as a ticket page does on `ticket.updated`.
 */
export const useCustomerChanges = defineStore("customerChanges", () => {
  const heard = reactive<Record<number, number>>({});
  function updated(customerId: number): void {
    heard[customerId] = (heard[customerId] ?? 0) + 1;
  }
  return { heard, updated };
});
