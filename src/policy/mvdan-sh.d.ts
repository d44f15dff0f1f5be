/**
 * The part of `mvdan-sh` (the GopherJS build of mvdan.cc/sh/v3/syntax) that shell.ts uses. The
 * package ships no types. Nodes are GopherJS wrappers of the Go structs: fields are read directly
 * (`stmt.Cmd`), slices are JS arrays, nil is `null`, operators are numbers, positions are objects
 * with methods (`Offset()` is a UTF-8 byte offset). Only the fields read here are declared.
 * https://pkg.go.dev/mvdan.cc/sh/v3/syntax
 */
declare module 'mvdan-sh' {
  export interface MvPos {
    Offset(): number;
  }
  export interface MvNode {
    Pos(): MvPos;
    End(): MvPos;
  }
  export interface MvLit extends MvNode {
    Value: string;
  }
  export interface MvWord extends MvNode {
    Parts: MvNode[];
  }
  export interface MvSglQuoted extends MvNode {
    Dollar: boolean;
    Value: string;
  }
  export interface MvDblQuoted extends MvNode {
    Dollar: boolean;
    Parts: MvNode[];
  }
  export interface MvParamExp extends MvNode {
    Short: boolean;
    Param: MvLit | null;
  }
  export interface MvCmdSubst extends MvNode {
    Backquotes: boolean;
  }
  export interface MvRedirect extends MvNode {
    Op: number;
    N: MvLit | null;
    Word: MvWord | null;
    Hdoc: MvWord | null;
  }
  export interface MvComment {
    /** The text after `#`. */
    Text: string;
  }
  export interface MvStmt extends MvNode {
    /** Comments before and on the line of the statement (with KeepComments). */
    Comments: MvComment[] | null;
    Cmd: MvNode | null;
    Redirs: MvRedirect[];
    Negated: boolean;
    Background: boolean;
    Coprocess: boolean;
  }
  export interface MvAssign extends MvNode {
    Append: boolean;
    Naked: boolean;
    Name: MvLit | null;
    Index: MvNode | null;
    Value: MvWord | null;
    Array: MvNode | null;
  }
  export interface MvCallExpr extends MvNode {
    Assigns: MvAssign[];
    Args: MvWord[];
  }
  export interface MvBinaryCmd extends MvNode {
    Op: number;
    X: MvStmt;
    Y: MvStmt;
  }
  /** Subshell and Block. */
  export interface MvStmtList extends MvNode {
    Stmts: MvStmt[];
    Last: MvComment[] | null;
  }
  export interface MvIfClause extends MvNode {
    Cond: MvStmt[];
    CondLast: MvComment[] | null;
    Then: MvStmt[];
    ThenLast: MvComment[] | null;
    /** `elif` / `else` (an `else` is an IfClause with an empty Cond), or null. */
    Else: MvIfClause | null;
    Last: MvComment[] | null;
  }
  export interface MvWhileClause extends MvNode {
    Until: boolean;
    Cond: MvStmt[];
    CondLast: MvComment[] | null;
    Do: MvStmt[];
    DoLast: MvComment[] | null;
  }
  export interface MvForClause extends MvNode {
    Select: boolean;
    Loop: MvNode;
    Do: MvStmt[];
    DoLast: MvComment[] | null;
  }
  export interface MvWordIter extends MvNode {
    Name: MvLit;
    Items: MvWord[];
  }
  export interface MvDeclClause extends MvNode {
    Variant: MvLit | null;
  }
  export interface MvFile {
    Stmts: MvStmt[];
    Last: MvComment[] | null;
  }
  export interface MvParser {
    /** Throws a wrapped Go error (not an Error instance; it has `Error()`) on a syntax error. */
    Parse(src: string, name: string): MvFile;
  }
  export interface MvParseError {
    Error(): string;
  }
  export interface MvSyntax {
    NewParser(...options: unknown[]): MvParser;
    Variant(lang: unknown): unknown;
    KeepComments(keep: boolean): unknown;
    LangBash: unknown;
    /** The Go type name without the package: 'CallExpr', 'Lit', … */
    NodeType(node: unknown): string;
  }
  const sh: { syntax: MvSyntax };
  export default sh;
}
