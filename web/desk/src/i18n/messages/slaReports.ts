import type { Words } from "../words";

export const en = {
  title: "SLA breaches",
  intro: "Targets whose due time fell in the range while they were still running, by the day they were due. An agent's breaches are those of the tickets assigned to them at the time.",
  target: "Target",
  breaches: "Breaches",
  total: "All targets",
  column: "SLA breaches",
  drillAll: "SLA breaches",
  drill_first_response: "First response breaches",
  drill_next_response: "Next response breaches",
  drill_resolution: "Resolution breaches",
};

export const fr: Words<typeof en> = {
  title: "Dépassements de SLA",
  intro: "Objectifs dont l'échéance tombe dans la période alors qu'ils couraient encore, comptés au jour de l'échéance. Les dépassements d'un agent sont ceux des tickets qui lui étaient assignés à ce moment-là.",
  target: "Objectif",
  breaches: "Dépassements",
  total: "Tous les objectifs",
  column: "Dépassements SLA",
  drillAll: "Dépassements de SLA",
  drill_first_response: "Dépassements de première réponse",
  drill_next_response: "Dépassements de réponse suivante",
  drill_resolution: "Dépassements de résolution",
};
