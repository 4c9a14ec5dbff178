import TriadEvents

// The wire schemas of the catalog's own value types. Each pattern says what the type's parser
// reads; what a pattern cannot say (the day exists in its month) is `format`, which validators
// check when asked to.

extension Timestamp: WireSchemaDescribed {
    public static var wireSchema: JSONValue {
        [
            "type": "string", "format": "date-time",
            "pattern":
                #"^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"#,
            "description": .string(
                "An RFC 3339 date-time read to the millisecond (further digits are dropped), whose instant in UTC (offset "
                    + "applied) lies between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: 0001-01-01T00:00:00+00:01 is refused."
            ),
        ]
    }
    public static var wirePlaceholder: Timestamp { Timestamp(millisecondsSinceEpoch: 0) }
}

extension CalendarDate: WireSchemaDescribed {
    public static var wireSchema: JSONValue {
        [
            "type": "string", "format": "date", "pattern": "^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "A calendar date, YYYY-MM-DD, from 0001-01-01.",
        ]
    }
    public static var wirePlaceholder: CalendarDate { CalendarDate(year: 2026, month: 1, day: 1)! }
}

extension Quarter: WireSchemaDescribed {
    public static var wireSchema: JSONValue {
        [
            "type": "string", "pattern": "^(?!0000)[0-9]{4}-Q[1-4]$",
            "description": "A calendar quarter in UTC, e.g. 2026-Q4.",
        ]
    }
    public static var wirePlaceholder: Quarter { Quarter(year: 2026, number: 1) }
}

extension Channel: WireSchemaDescribed {}
extension InteractionKind: WireSchemaDescribed {}
extension BudgetRejectionReason: WireSchemaDescribed {}
extension ChurnRiskReason: WireSchemaDescribed {}
extension AttributionModel: WireSchemaDescribed {}
extension AllocationReason: WireSchemaDescribed {}
extension ProjectionReason: WireSchemaDescribed {}
