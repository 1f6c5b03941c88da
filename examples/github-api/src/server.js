require('dotenv').config();
const express = require('express');
const session = require('express-session');
const { sequelize } = require('./db');
const repoRoutes = require('./routes/repos');
const systemRoutes = require('./routes/system');
const { scheduleJobs } = require('./jobs/sync');

const app = express();
app.use(express.json());
app.use(
  session({
    secret: process.env.SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, maxAge: 7 * 24 * 3600 * 1000 },
  })
);

app.use('/api/repos', repoRoutes);
app.use('/api/system', systemRoutes);

const port = process.env.PORT || 4000;
sequelize.authenticate().then(() => {
  scheduleJobs();
  app.listen(port, () => console.log(`github-api on ${port}`));
});
