const { DataTypes } = require('sequelize');
const { sequelize } = require('../db');

const Repository = sequelize.define(
  'Repository',
  {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    fullName: { type: DataTypes.STRING(255), allowNull: false, unique: true, field: 'full_name' },
    visibility: { type: DataTypes.ENUM('public', 'private', 'internal'), defaultValue: 'public' },
    archived: { type: DataTypes.BOOLEAN, defaultValue: false },
    stars: { type: DataTypes.INTEGER, defaultValue: 0 },
    topics: { type: DataTypes.JSON },
    lastSyncedAt: { type: DataTypes.DATE, field: 'last_synced_at' },
  },
  { tableName: 'repositories', underscored: true }
);

module.exports = Repository;
