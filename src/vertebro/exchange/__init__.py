"""Exchange with other systems: HL7 FHIR R4 (and, later, CSV). Needs the ``fhir`` extra."""
