"""One router per resource: public API, clinic API, docs, decision-aid pages, questionnaire, clinic pages."""
