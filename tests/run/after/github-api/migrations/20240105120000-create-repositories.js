'use strict';

module.exports = {
  async up(queryInterface, Sequelize) {
    // moved from MySQL with `skylift db migrate`: the table and its rows are already there
    const existing = await queryInterface.showAllTables();
    if (existing.includes('repositories')) return;
    await queryInterface.createTable('repositories', {
      id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true },
      full_name: { type: Sequelize.STRING(255), allowNull: false, unique: true },
      visibility: { type: Sequelize.ENUM('public', 'private', 'internal'), defaultValue: 'public' },
      archived: { type: Sequelize.BOOLEAN, defaultValue: false },
      stars: { type: Sequelize.INTEGER, defaultValue: 0 },
      topics: { type: Sequelize.JSON },
      last_synced_at: { type: Sequelize.DATE },
      created_at: { type: Sequelize.DATE, allowNull: false },
      updated_at: { type: Sequelize.DATE, allowNull: false },
    });
  },
  async down(queryInterface) {
    await queryInterface.dropTable('repositories');
  },
};
