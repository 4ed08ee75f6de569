import PostgresNIO

/// One line for a person from a PostgresNIO error. `PSQLError`'s own description is
/// deliberately vague; the server's message ("password authentication failed for user ...")
/// and the socket error are what an operator can act on, and neither carries the password.
enum PostgresFailure {
    static func describe(_ error: any Error) -> String {
        if let schema = error as? PostgresSchema.SchemaTooNew { return schema.description }
        if let transaction = error as? PostgresTransactionError {
            return describe(transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError ?? error)
        }
        guard let psql = error as? PSQLError else { return "\(error)" }
        if let message = psql.serverInfo?[.message] {
            let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        if let underlying = psql.underlying { return "\(underlying)" }
        return "\(psql.code)"
    }
}
