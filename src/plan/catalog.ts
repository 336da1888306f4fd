/**
 * The catalog as the planner sees it: tables and their typed columns, read from native in
 * one call and cached until the schema version changes.
 */
import type { NativeCatalog } from '../native.js';
import { TYPE_IDS, type SqlType } from './types.js';

export interface CatalogColumn {
  name: string;
  index: number;
  type: SqlType;
  notNull: boolean;
  hasDefault: boolean;
  primaryKey: boolean;
}

export interface CatalogTable {
  name: string;
  rowCount: number;
  columns: CatalogColumn[];
}

export class Catalog {
  readonly schemaVersion: number;
  readonly version: string;
  private readonly tables = new Map<string, CatalogTable>();

  constructor(source: NativeCatalog) {
    this.schemaVersion = source.schemaVersion;
    this.version = source.version;
    for (const table of source.tables) {
      this.tables.set(table.name, {
        name: table.name,
        rowCount: table.rowCount,
        columns: table.columns.map((column, index) => ({
          name: column.name,
          index,
          type: column.dimension ? { id: TYPE_IDS[column.typeId]!, dimension: column.dimension } : { id: TYPE_IDS[column.typeId]! },
          notNull: column.notNull,
          hasDefault: column.hasDefault,
          primaryKey: column.primaryKey,
        })),
      });
    }
  }

  table(name: string): CatalogTable | undefined {
    return this.tables.get(name);
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  allTables(): CatalogTable[] {
    return [...this.tables.values()];
  }
}
